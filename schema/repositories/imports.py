"""CSV import data (issue 12, Build 2): staging a file's rows with its job in one transaction, one
batch's validation and upserts with every row's outcome, counts and the per-row report.

Exactly once: a batch reads only rows still ``pending`` and, in the same transaction as the
records it writes, sets each row's outcome and adds to the job's counters; a retried batch (a
worker killed mid-import) finds those rows done. Duplicates of a natural key within one file are
rejected at staging ("duplicate of row N"), so a dry run reports what the real run will do.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.intake import ImportJob, ImportRow
from schema.records import IMPORTABLE, RecordIn
from schema.repositories.record_upserts import RecordRejected, lock_entity, upsert_records
from schema.repositories.tenants import ensure_tenant
from schema.tables import new_id

KEYS = {
    "accounts": ("external_id", "name"),
    "contacts": ("email",),
    "products": ("code",),
    "orders": ("external_id",),
}
"""The natural key of each importable entity: the first non-empty of these columns."""


def _key(entity: str, data: dict[str, Any]) -> str | None:
    for k in KEYS[entity]:
        v = (data.get(k) or "").strip()
        if v:
            return f"{k}={v.lower() if k == 'email' else v}"
    return None


def stage(
    s: Session,
    tenant_id: str,
    entity: str,
    rows: list[dict[str, str]],
    *,
    dry_run: bool,
    filename: str | None,
    created_by: str,
) -> ImportJob:
    """The job and its rows (``row_no`` from 1); later duplicates of a key are rejected here."""
    ensure_tenant(s, tenant_id)
    job = ImportJob(
        tenant_id=tenant_id,
        entity=entity,
        dry_run=dry_run,
        filename=filename,
        total_rows=len(rows),
        created_by=created_by,
    )
    s.add(job)
    s.flush()
    first: dict[str, int] = {}
    staged = []
    for n, data in enumerate(rows, start=1):
        key = _key(entity, data)
        dup = first.get(key) if key else None
        if key and dup is None:
            first[key] = n
        staged.append(
            {
                "id": new_id(),
                "tenant_id": tenant_id,
                "import_id": job.id,
                "row_no": n,
                "data": data,
                "status": "rejected" if dup else "pending",
                "reason": f"{KEYS[entity][0]}: duplicate of row {dup}" if dup else None,
            }
        )
    if staged:
        s.execute(insert(ImportRow), staged)
    rejected = sum(1 for r in staged if r["status"] == "rejected")
    job.rejected = job.processed = rejected
    s.flush()
    return job


def _reason(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "row"
    return f"{where}: {err['msg']}"


def run_batch(
    s: Session, tenant_id: str, import_id: str, after_row_no: int, size: int
) -> tuple[int, int, bool]:
    """Validate and upsert the next ``size`` pending rows after ``after_row_no``; returns (last
    row looked at, rows processed, whether more rows follow)."""
    job = s.execute(
        select(ImportJob)
        .where(col(ImportJob.tenant_id) == tenant_id, col(ImportJob.id) == import_id)
        .with_for_update()
    ).scalar_one()
    model = IMPORTABLE[job.entity]
    lock_entity(s, tenant_id, job.entity)
    rows = list(
        s.execute(
            select(ImportRow)
            .where(col(ImportRow.import_id) == import_id, col(ImportRow.row_no) > after_row_no)
            .order_by(ImportRow.row_no)
            .limit(size + 1)
        ).scalars()
    )
    more = len(rows) > size
    rows = rows[:size]
    counts: Counter[str] = Counter()
    valid: list[tuple[ImportRow, RecordIn]] = []
    for row in rows:
        if row.status != "pending":
            continue
        try:
            valid.append(
                (row, model.model_validate({k: v for k, v in row.data.items() if v not in (None, "")}))
            )
        except ValidationError as e:
            row.status, row.reason = "rejected", _reason(e)
            counts["rejected"] += 1
    outcomes = upsert_records(
        s, tenant_id, job.entity, [rec for _, rec in valid], source="import", dry_run=job.dry_run
    )
    for (row, _), result in zip(valid, outcomes, strict=True):
        if isinstance(result, RecordRejected):
            row.status, row.reason = "rejected", str(result)
        else:
            row.status, row.record_id = result
        counts[row.status] += 1
    if job.status == "pending":
        job.status = "running"
    job.processed += sum(counts.values())
    job.created += counts["created"]
    job.updated += counts["updated"]
    job.unchanged += counts["unchanged"]
    job.rejected += counts["rejected"]
    s.flush()
    return (rows[-1].row_no if rows else after_row_no), sum(counts.values()), more


def finish(s: Session, tenant_id: str, import_id: str) -> ImportJob:
    """Mark the job completed (idempotent) and return it."""
    s.execute(
        update(ImportJob)
        .where(
            col(ImportJob.tenant_id) == tenant_id,
            col(ImportJob.id) == import_id,
            col(ImportJob.completed_at).is_(None),
        )
        .values(status="completed", completed_at=datetime.now(UTC))
    )
    return s.execute(select(ImportJob).where(col(ImportJob.id) == import_id)).scalar_one()
