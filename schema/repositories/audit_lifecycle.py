"""Export and erasure requests, retention policies and tombstones (issue 16 Builds 2-4),
session-style (tenant transactions; the caller commits).

:func:`tombstone` is the one way to remove audit rows: ``omniops_audit_tombstone`` (migration
0017) deletes them, records their tombstones and empties their chain entries, links kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col, select

from schema.audit_lifecycle import AuditErasure, AuditExport, RetentionPolicy


def tombstone(s: Session, table: str, ids: list[str], reason: str) -> int:
    """Delete ``table``'s audit rows ``ids`` (the session's tenant), tombstone them and empty
    their chain entries; returns the links emptied. Raises for a table that is not chained."""
    if not ids:
        return 0
    n = s.execute(
        text("SELECT omniops_audit_tombstone(:src, CAST(:ids AS text[]), :why)"),
        {"src": table, "ids": ids, "why": reason},
    ).scalar_one()
    return int(n)


# --- exports -------------------------------------------------------------------------------------


def add_export(s: Session, tenant_id: str, subject: str | None, fmt: str, requested_by: str) -> AuditExport:
    row = AuditExport(
        tenant_id=tenant_id, subject_email=subject, archive_format=fmt, requested_by=requested_by
    )
    s.add(row)
    s.flush()
    return row


def get_export(s: Session, export_id: str) -> AuditExport | None:
    return s.get(AuditExport, export_id)


def export_progress(s: Session, export_id: str, **values: Any) -> None:
    """Set ``status``, ``progress``, ``total``, ``blob_key``, ``sha256``, ``size_bytes``, ``error``
    (only those given); ``finished_at`` when the status is done or failed."""
    row = s.get(AuditExport, export_id)
    if row is None:
        raise LookupError(export_id)
    for k, v in values.items():
        setattr(row, k, v)
    if values.get("status") in ("done", "failed"):
        row.finished_at = datetime.now(UTC)
    s.add(row)


# --- erasures ------------------------------------------------------------------------------------


def add_erasure(s: Session, tenant_id: str, subject: str | None, requested_by: str) -> AuditErasure:
    row = AuditErasure(tenant_id=tenant_id, subject_email=subject, requested_by=requested_by)
    s.add(row)
    s.flush()
    return row


def get_erasure(s: Session, erasure_id: str) -> AuditErasure | None:
    return s.get(AuditErasure, erasure_id)


def finish_erasure(
    s: Session, erasure_id: str, subject_hash: str | None, certificate: dict[str, Any]
) -> None:
    """Done: the subject's email replaced by its hash, the certificate kept."""
    row = s.get(AuditErasure, erasure_id)
    if row is None:
        raise LookupError(erasure_id)
    row.subject_email, row.subject_hash, row.certificate = None, subject_hash, certificate
    row.status, row.finished_at = "done", datetime.now(UTC)
    s.add(row)


# --- retention policies --------------------------------------------------------------------------


def retention_overrides(s: Session, tenant_id: str) -> dict[str, int]:
    """The tenant's own periods (days) by data class."""
    rows = s.scalars(select(RetentionPolicy).where(RetentionPolicy.tenant_id == tenant_id))
    return {r.data_class: r.days for r in rows}


def set_retention(s: Session, tenant_id: str, periods: dict[str, int], by: str) -> None:
    """Upsert the tenant's period of each class in ``periods`` (validated by the caller)."""
    for data_class, days in periods.items():
        s.execute(
            insert(RetentionPolicy)
            .values(tenant_id=tenant_id, data_class=data_class, days=days, updated_by=by)
            .on_conflict_do_update(
                index_elements=["tenant_id", "data_class"],
                set_={"days": days, "updated_by": by, "updated_at": datetime.now(UTC)},
            )
        )


def tenants_with_data(s: Session) -> list[str]:
    """Every tenant id (platform scope), in order: the retention run visits each."""
    return [str(t) for t in s.execute(text("SELECT id FROM tenants ORDER BY id")).scalars()]


def erasures(s: Session, limit: int = 100) -> list[AuditErasure]:
    return list(s.scalars(select(AuditErasure).order_by(col(AuditErasure.created_at).desc()).limit(limit)))
