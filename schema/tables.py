"""SQLModel tables for autonomous operations (seed 000, "Production Architecture Proposal").

Deviations from the seed, on purpose:
- ``customer_id`` is ``tenant_id`` (a slug, the same id as in JWTs, workflow ids and Vault paths).
- ``autonomous_credentials`` holds metadata only: the secret lives in Vault at ``vault_path``,
  so ``encrypted_credential``/``encryption_key_id`` become ``vault_path``/``fingerprint``.
- ``autonomous_operations.id`` is the operation id; its workflow id is ``op-{tenant}-{id}``.
- ``autonomous_operations_audit`` adds ``attempt`` (idempotency key with operation and step),
  ``mode``, ``screenshot_key`` (an object-store key, not a URL) and ``tenant_id``.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKeyConstraint, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A new random text id (uuid4 hex) for rows of the cycle and follow-up tables."""
    return uuid.uuid4().hex


def stable_id(*parts: str) -> str:
    """A deterministic 32-hex id from ``parts`` (sha256 of them joined by ``|``): the same natural
    key always gives the same row id, so an activity retry inserts nothing new."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _ts(nullable: bool = True, default: bool = False) -> Any:
    """A timestamptz column; ``default`` sets now() both in Python and as the server default."""
    return Field(
        default_factory=utcnow if default else lambda: None,
        sa_column=Column(
            DateTime(timezone=True), nullable=nullable, server_default=func.now() if default else None
        ),
    )


def tenant_unique(table: str) -> UniqueConstraint:
    """``UNIQUE (tenant_id, id)`` on a table other tenant tables reference (migration 0008)."""
    return UniqueConstraint("tenant_id", "id", name=f"uq_{table}_tenant_id")


def tenant_fk(table: str, column: str, parent: str, ondelete: str | None = None) -> ForeignKeyConstraint:
    """``(tenant_id, column) -> parent(tenant_id, id)``: a row of ``table`` cannot reference another
    tenant's row, although referential checks bypass row-level security (migration 0008)."""
    return ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{parent}.tenant_id", f"{parent}.id"],
        name=f"{table}_tenant_{column}_fkey",
        ondelete=ondelete,
    )


class Tenant(SQLModel, table=True):
    __tablename__ = "tenants"
    id: str = Field(primary_key=True, max_length=63)
    name: str = Field(max_length=200)
    agent_enabled: bool = Field(default=False)
    """Per-tenant kill switch: the hourly cycle acts only when true (seed 004 P0.6)."""
    agent_settings: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    """Caps and send mode overrides (seed 004 P0.7.3); see ``core.settings.AgentSettings``."""
    created_at: datetime = _ts(nullable=False, default=True)


class AutonomousOperation(SQLModel, table=True):
    __tablename__ = "autonomous_operations"
    __table_args__ = (tenant_unique("autonomous_operations"),)
    id: uuid.UUID = Field(primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    user_id: str | None = Field(default=None, max_length=200)
    service: str = Field(max_length=50)
    operation: str = Field(max_length=100)
    status: str = Field(max_length=20, index=True)
    consent_given: bool = Field(default=False)
    consent_timestamp: datetime | None = _ts()
    started_at: datetime | None = _ts()
    completed_at: datetime | None = _ts()
    total_steps: int | None = None
    current_step: int | None = None
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    workflow_id: str = Field(max_length=200)
    created_at: datetime = _ts(nullable=False, default=True)


class AutonomousOperationAudit(SQLModel, table=True):
    __tablename__ = "autonomous_operations_audit"
    __table_args__ = (
        UniqueConstraint("operation_id", "step_number", "attempt", name="uq_audit_operation_step_attempt"),
        tenant_fk("autonomous_operations_audit", "operation_id", "autonomous_operations", "CASCADE"),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    operation_id: uuid.UUID = Field(index=True)
    tenant_id: str = Field(max_length=63, index=True)
    step_number: int
    attempt: int = Field(default=1)
    intent: str = Field(max_length=200)
    action: str = Field(max_length=500)
    mode: str = Field(default="deterministic", max_length=20)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    """Why this mode acted: the AI's reason, or the deterministic failure it healed (issue 3)."""
    success: bool
    screenshot_key: str | None = None
    error: str | None = None
    duration_ms: int | None = None
    blocked_requests: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Requests the browser's egress layer refused during the step (issue 10)."""
    timestamp: datetime = _ts(nullable=False, default=True)


class AutonomousConsent(SQLModel, table=True):
    __tablename__ = "autonomous_consent"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    user_id: str | None = Field(default=None, max_length=200)
    service: str = Field(max_length=50)
    operation: str = Field(max_length=100)
    permissions: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    granted_at: datetime = _ts(nullable=False, default=True)
    expires_at: datetime | None = _ts()
    revoked_at: datetime | None = _ts()
    revoked_by: str | None = Field(default=None, max_length=200)
    revoke_reason: str | None = None
    ip_address: str | None = Field(default=None, sa_column=Column(INET))
    user_agent: str | None = None


class AutonomousCredential(SQLModel, table=True):
    __tablename__ = "autonomous_credentials"
    __table_args__ = (
        UniqueConstraint("tenant_id", "service", "credential_type", name="uq_credential_tenant_service_type"),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    service: str = Field(max_length=50)
    credential_type: str = Field(max_length=50)
    vault_path: str = Field(sa_column=Column(String, nullable=False))
    fingerprint: str = Field(max_length=64)
    site_url: str | None = None
    origin: str | None = Field(default=None, max_length=300, index=True)
    """The registered site (``scheme://host[:port]``, WHATWG-serialized, core/targets.py): the
    only origin this credential may ever be typed into (issue 10)."""
    created_by: str | None = Field(default=None, max_length=200)
    expires_at: datetime | None = _ts()
    last_rotated_at: datetime | None = _ts()
    created_at: datetime = _ts(nullable=False, default=True)


class SiteAllowlist(SQLModel, table=True):
    """Origins an operator allowed for one tenant although they are http, local or a service
    port (issue 10): the local dev stack allowlists its own WordPress and nothing else."""

    __tablename__ = "site_allowlist"
    __table_args__ = (UniqueConstraint("tenant_id", "origin", name="uq_site_allowlist_tenant_origin"),)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    origin: str = Field(max_length=300)
    added_by: str = Field(max_length=200)
    reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = _ts(nullable=False, default=True)


class OperationConfirmation(SQLModel, table=True):
    """A person's decision on one step, persisted by the API before the ``confirm_action``
    signal; the workflow honours a signal only when it finds this row (issue 10)."""

    __tablename__ = "operation_confirmations"
    __table_args__ = (
        tenant_fk("operation_confirmations", "operation_id", "autonomous_operations", "CASCADE"),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    operation_id: uuid.UUID = Field(index=True)
    step_number: int
    approved: bool
    decided_by: str = Field(max_length=200)
    reason: str | None = Field(default=None, max_length=500)
    decided_at: datetime = _ts(nullable=False, default=True)


class OperatorAuditEntry(SQLModel, table=True):
    """One action of a platform operator (issue 11): who (``actor`` and the token's issuer), what
    (``action``: the route's operation id, or ``codec.decode``), which tenant, and the outcome.
    A platform table: no row-level security (operators act across tenants); the app role may
    only insert and read it."""

    __tablename__ = "operator_audit"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    actor: str = Field(max_length=200)
    issuer: str = Field(max_length=300)
    action: str = Field(max_length=200)
    tenant_id: str | None = Field(default=None, max_length=63, index=True)
    """The tenant acted on; None for a platform-wide action."""
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    """Method, path, status and action-specific facts (never a secret, never a payload)."""
    at: datetime = _ts(nullable=False, default=True)
