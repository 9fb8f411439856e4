"""Audit export, erasure and retention tables (issue 16 Builds 2-4; migration 0017).

- ``audit_exports``: one archive request (tenant, or one data subject = a contact email), its
  status (queued, running, done, failed), progress and the archive's object key and sha256.
- ``audit_erasures``: one erasure request; ``subject_email`` is replaced by its sha256
  (``subject_hash``) once done, so the request row keeps no personal data. ``certificate`` holds
  the counts, the shredded keyrings and the tombstoned link range; the same facts are the
  certificate audit entry (``operator_audit`` action ``audit.erasure``, itself a chain link).
- ``audit_tombstones``: one per audit row erased or expired (the chain keeps its links).
- ``retention_policies``: a tenant's own period for one data class (core/retention.py
  ``DATA_CLASSES``); a class without a row keeps ``audit.retention_days`` (90).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from schema.tables import _ts, new_id


class AuditExport(SQLModel, table=True):
    __tablename__ = "audit_exports"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    subject_email: str | None = Field(default=None, max_length=320)
    """None: the whole tenant."""
    archive_format: str = Field(default="zip", max_length=10)
    status: str = Field(default="queued", max_length=20)
    progress: int = 0
    """Files written so far."""
    total: int | None = None
    """Files the archive will hold (known once the rows are read)."""
    blob_key: str | None = Field(default=None, max_length=300)
    sha256: str | None = Field(default=None, max_length=64)
    size_bytes: int | None = None
    requested_by: str = Field(max_length=200)
    error: str | None = None
    created_at: datetime = _ts(nullable=False, default=True)
    finished_at: datetime | None = _ts()


class AuditErasure(SQLModel, table=True):
    __tablename__ = "audit_erasures"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    subject_email: str | None = Field(default=None, max_length=320)
    """The subject until the erasure is done (then None); None with no hash: the whole tenant."""
    subject_hash: str | None = Field(default=None, max_length=64)
    status: str = Field(default="queued", max_length=20)
    requested_by: str = Field(max_length=200)
    certificate: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    error: str | None = None
    created_at: datetime = _ts(nullable=False, default=True)
    finished_at: datetime | None = _ts()


class RetentionPolicy(SQLModel, table=True):
    __tablename__ = "retention_policies"
    tenant_id: str = Field(foreign_key="tenants.id", primary_key=True, max_length=63)
    data_class: str = Field(primary_key=True, max_length=40)
    days: int
    updated_by: str = Field(max_length=200)
    updated_at: datetime = _ts(nullable=False, default=True)


class AuditTombstone(SQLModel, table=True):
    """An audit row erased or expired (``reason``: ``erasure:{id}`` or ``retention``), written only
    by ``omniops_audit_tombstone``: the verifier accepts its missing row (migration 0017)."""

    __tablename__ = "audit_tombstones"
    tenant_id: str = Field(primary_key=True, max_length=63)
    source: str = Field(primary_key=True, max_length=63)
    source_id: str = Field(primary_key=True, max_length=64)
    reason: str = Field(max_length=200)
    at: datetime = _ts(nullable=False)
