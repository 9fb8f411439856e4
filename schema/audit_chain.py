"""The tamper-evident audit trail's tables (issue 16 Build 1; migration 0011 has the trigger that
writes links and the grants that keep the application role from writing them).

- ``audit_chain``: one link per audit event, per tenant ``seq`` 1, 2, ... (platform rows of
  ``operator_audit`` under ``_platform``); see :mod:`core.audit_chain` for the hashes.
- ``audit_digests``: the hourly Vault Transit signature over a tenant's chain head.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from schema.tables import _ts

CHAINED = (
    "autonomous_operations_audit",
    "operation_confirmations",
    "operator_audit",
    "autonomous_consent",
    "autonomous_credentials",
    "agent_policy_violations",
    "credential_access_log",
)
"""The audit tables whose every write is a link (migration 0011; 0021 adds the credential-access log)."""


class AuditLink(SQLModel, table=True):
    __tablename__ = "audit_chain"
    tenant_id: str = Field(primary_key=True, max_length=63)
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True))
    source: str = Field(max_length=63)
    source_id: str = Field(max_length=64)
    op: str = Field(max_length=10)
    """insert, update or delete."""
    entry: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    entry_hash: str = Field(max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    at: datetime = _ts(nullable=False)


class AuditDigest(SQLModel, table=True):
    """The signed digest of a tenant's chain at ``seq`` (``head_hash``), signed at ``signed_at``
    by Transit key ``key_name``; ``signature`` is Vault's ``vault:vN:...`` string."""

    __tablename__ = "audit_digests"
    tenant_id: str = Field(primary_key=True, max_length=63)
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True))
    head_hash: str = Field(max_length=64)
    signed_at: datetime = _ts(nullable=False)
    key_name: str = Field(max_length=100)
    signature: str
