"""Request and response bodies of webhook endpoints and integration status (issue 15 Builds 4,
5, 7)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.common import Body
from workflows.notify.messages import EventKind


class WebhookCreate(Body):
    url: str = Field(min_length=8, max_length=2000)
    """https to a public address (http on loopback only in dev/test settings)."""
    events: list[EventKind] = Field(default_factory=list, max_length=20)
    """The event kinds to deliver; empty: every kind."""


class WebhookView(BaseModel):
    id: str
    url: str
    events: list[str]
    enabled: bool
    consecutive_failures: int
    disabled_reason: str | None = None
    last_status: int | None = None
    last_delivery_at: datetime | None = None
    created_at: datetime
    secret: str | None = None
    """The ``whsec_`` signing secret: returned once, by the create; never again."""


class WebhookTestResult(BaseModel):
    message_id: str
    status: str
    """``delivered``, ``failed`` or ``pending`` (still retrying after the wait)."""


class IntegrationView(BaseModel):
    service: str
    credential_type: str
    site_url: str
    status: str
    detail: str | None = None
    current_version: int | None = None
    pending_revoke: str | None = None
    rotating: bool = False
    last_checked_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_rotated_at: datetime | None = None


class IntegrationSettingsBody(Body):
    rotation_days: int | None = Field(default=None, ge=1, le=3650)
    """Rotation period in days; None: the default (90, ``integrations.rotation_days``)."""
    notify_email: str | None = Field(default=None, min_length=3, max_length=320)


class IntegrationSettingsView(BaseModel):
    rotation_days: int
    notify_email: str | None = None
    schedules_updated: int = 0
