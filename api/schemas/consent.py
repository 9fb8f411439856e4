"""Request and response bodies of the consent routes (``/api/autonomous/consent``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import NAME, Body


class ConsentRequest(Body):
    action: Literal["grant", "revoke"]
    service: str = Field(pattern=NAME, max_length=50)
    operation: str = Field(pattern=NAME)
    permissions: list[str] | None = None
    expires_in_days: int | None = Field(default=None, ge=1, le=365)
    reason: str | None = Field(default=None, max_length=500)
    operation_id: str | None = Field(
        default=None, description="Signal only this operation (404 if not yours)"
    )


class ConsentView(BaseModel):
    id: str
    service: str
    operation: str
    permissions: list[str]
    user_id: str | None
    granted_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    ip_address: str | None
    user_agent: str | None


class ConsentResponse(BaseModel):
    action: str
    consent: ConsentView | None = None
    revoked: int = 0
    operations_signalled: list[str] = Field(default_factory=list)
