"""Integration health, rotation and notification tables (issue 15 Builds 4, 5, 7).

- ``webhook_endpoints``: a tenant's outbound webhook receivers; the signing secret is in Vault at
  ``tenants/{tenant}/webhooks/endpoints/{id}`` (never in a row). Disabled after
  ``integrations.webhook_failure_limit`` failed attempts in a row.
- ``integration_status``: one row per stored integration credential (tenant, service, credential
  type): its health, the Vault versions a rotation moves between, the site name of the credential
  still to be revoked.
- ``integration_events``: the audit trail of health checks and rotations, one row per step,
  idempotent on (run, step).
- ``integration_settings``: per-tenant rotation period and notification address.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from schema.tables import _ts, new_id

STATUSES = ("healthy", "failing", "healing", "needs_consent", "rotating", "revoke_failed", "unknown")
"""``integration_status.status`` (issue 15 Build 4): ``needs_consent`` until a grant with
``auto_renew`` arrives."""


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoints"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    url: str = Field(max_length=2000)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    """Event kinds delivered here; empty: every kind."""
    enabled: bool = Field(default=True)
    consecutive_failures: int = Field(default=0)
    disabled_reason: str | None = Field(default=None, max_length=300)
    last_status: int | None = None
    last_delivery_at: datetime | None = _ts()
    created_by: str | None = Field(default=None, max_length=200)
    created_at: datetime = _ts(nullable=False, default=True)


class IntegrationStatus(SQLModel, table=True):
    __tablename__ = "integration_status"
    __table_args__ = (
        UniqueConstraint("tenant_id", "service", "credential_type", name="uq_integration_status"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    service: str = Field(max_length=50)
    credential_type: str = Field(max_length=50)
    admin_credential: str = Field(default="admin", max_length=50)
    site_url: str = Field(max_length=2000)
    status: str = Field(default="unknown", max_length=20)
    detail: str | None = Field(default=None, max_length=500)
    credential_name: str | None = Field(default=None, max_length=200)
    """The name the credential has on the site (WordPress: ``omniops-{operation_id}``)."""
    current_version: int | None = None
    """The Vault KV v2 version in use."""
    previous_version: int | None = None
    """The version before the last switch, kept until its credential is revoked on the site."""
    pending_revoke: str | None = Field(default=None, max_length=200)
    """The site name of a replaced credential not yet revoked."""
    rotation_run: str | None = Field(default=None, max_length=300)
    """The workflow id of the rotation holding this integration (one at a time)."""
    last_checked_at: datetime | None = _ts()
    last_ok_at: datetime | None = _ts()
    last_rotated_at: datetime | None = _ts()
    updated_at: datetime = _ts(nullable=False, default=True)


class IntegrationEvent(SQLModel, table=True):
    __tablename__ = "integration_events"
    id: str = Field(primary_key=True, max_length=64)
    """``stable_id(run, step)``: a retried write inserts nothing."""
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    service: str = Field(max_length=50)
    credential_type: str = Field(max_length=50)
    run: str = Field(max_length=300)
    step: str = Field(max_length=50)
    success: bool
    detail: str | None = Field(default=None, max_length=500)
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    created_at: datetime = _ts(nullable=False, default=True)


class IntegrationSettingsRow(SQLModel, table=True):
    __tablename__ = "integration_settings"
    tenant_id: str = Field(foreign_key="tenants.id", primary_key=True, max_length=63)
    rotation_days: int | None = None
    """None: ``integrations.rotation_days`` (90)."""
    notify_email: str | None = Field(default=None, max_length=320)
    """Where notifications are emailed (through the outbox); None: webhooks only."""
    updated_at: datetime = _ts(nullable=False, default=True)
