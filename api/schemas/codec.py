"""Bodies of the codec server (``/codec/encode``, ``/codec/decode``): Temporal's remote codec
protocol, ``{"payloads": [Payload as protobuf JSON]}``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class CodecPayloads(BaseModel):
    payloads: list[dict[str, Any]] = Field(default_factory=list)
    """Each a ``temporal.api.common.v1.Payload`` in protobuf JSON (``metadata``, ``data`` base64)."""
