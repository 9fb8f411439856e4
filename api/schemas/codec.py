"""Bodies of the codec server (``/codec/encode``, ``/codec/decode``, ``/codec/ui/{capability}/decode``):
Temporal's remote codec protocol, ``{"payloads": [Payload as protobuf JSON]}``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

WORKFLOW_ID = r"^[A-Za-z0-9][A-Za-z0-9:_.-]{0,299}$"
"""Shape of ``/codec/encode``'s ``workflow_id`` query parameter; which workflow (and so which
tenant) it names is decided by ``workflows.ids.tenant_of_workflow_id``."""


class CodecPayloads(BaseModel):
    payloads: list[dict[str, Any]] = Field(default_factory=list)
    """Each a ``temporal.api.common.v1.Payload`` in protobuf JSON (``metadata``, ``data`` base64)."""
