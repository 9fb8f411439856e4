"""Request and response models of audit export, erasure and retention (issue 16 Builds 2-4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from core.retention import MAX_DAYS, MIN_DAYS

DataClass = Literal[
    "audit_rows", "screenshots", "checkpoints", "outbox_bodies", "raw_inbound_mail", "run_records"
]


class ExportRequest(BaseModel):
    """``subject_email``: export one data subject (a contact email); omitted: the whole tenant."""

    model_config = ConfigDict(extra="forbid")
    subject_email: EmailStr | None = None
    format: Literal["zip", "tar.gz"] = "zip"


class ExportView(BaseModel):
    """An export: ``status`` queued, running, done or failed; ``progress`` of ``total`` files."""

    id: str
    status: str
    subject: bool
    """Whether it is one data subject's (the address itself is not echoed)."""
    format: str
    progress: int
    total: int | None
    sha256: str | None
    """Of the archive as downloaded."""
    size_bytes: int | None
    created_at: datetime
    finished_at: datetime | None


class ErasureRequest(BaseModel):
    """``subject_email``: erase one data subject; omitted: the whole tenant, which needs
    ``confirm_tenant`` equal to the tenant's id."""

    model_config = ConfigDict(extra="forbid")
    subject_email: EmailStr | None = None
    confirm_tenant: str | None = None


class ErasureView(BaseModel):
    id: str
    status: str
    scope: Literal["subject", "tenant"]
    certificate: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None


class RetentionView(BaseModel):
    """Every data class's retention in days (the tenant's own, else the 90-day default), and
    Temporal's namespace-wide history retention (platform-set)."""

    tenant_id: str
    days: dict[str, int]
    default_days: int
    temporal_namespace_days: int


class RetentionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: dict[DataClass, int] = Field(min_length=1)
    """The classes to change, each 1 to 3650 days."""

    def checked(self) -> dict[str, int]:
        bad = [c for c, d in self.days.items() if not MIN_DAYS <= d <= MAX_DAYS]
        if bad:
            raise ValueError(f"days.{bad[0]}: between {MIN_DAYS} and {MAX_DAYS}")
        return dict(self.days)


class RetentionRunRequest(BaseModel):
    """An operator's retention run: ``dry_run`` reports without removing; ``now`` judges age at
    another instant (a dry run of the future)."""

    model_config = ConfigDict(extra="forbid")
    dry_run: bool = True
    now: datetime | None = None


class RetentionRunView(BaseModel):
    workflow_id: str
