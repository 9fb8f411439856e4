"""Response body of ``GET /api/admin/operator-audit`` (issue 11)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class OperatorAuditView(BaseModel):
    """One operator action: ``actor`` (token ``sub``), ``issuer``, ``action`` (operation id),
    ``tenant_id`` (None: platform-wide), ``detail`` (method, path, status), ``at`` (UTC)."""

    id: uuid.UUID
    actor: str
    issuer: str
    action: str
    tenant_id: str | None
    detail: dict[str, Any] | None
    at: datetime
