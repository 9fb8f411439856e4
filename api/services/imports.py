"""CSV imports (issue 12, Build 2): parse and stage a file, start its workflow, report progress
and the per-row outcome.

``POST /api/imports``: the CSV (UTF-8, a header row of field names of the entity's model,
``schema.records.IMPORTABLE``; empty cells are not given) is parsed with the stdlib ``csv``
module; the job and every row are staged in one transaction, then ``ImportWorkflow`` starts.
Errors: 400 not UTF-8, no header, unknown columns (named), too many rows; 413 over
``imports.max_upload_bytes``; 404 an import of another tenant.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlmodel import col
from temporalio.client import Client

from api.auth import Principal
from api.errors import NotFoundException, PayloadTooLargeException, ValidationException
from api.services.records import RecordService
from core import queues
from core.settings import Settings
from schema.intake import ImportJob, ImportRow
from schema.records import IMPORTABLE
from schema.repositories import imports as repo
from schema.repositories.paging import keyset_page
from workflows.ids import import_workflow_id
from workflows.imports.messages import ImportInput
from workflows.imports.workflow import ImportWorkflow

JOB_FIELDS = (
    "id",
    "entity",
    "dry_run",
    "status",
    "filename",
    "total_rows",
    "processed",
    "created",
    "updated",
    "unchanged",
    "rejected",
    "error",
    "created_by",
    "created_at",
    "completed_at",
)
ROW_STATUSES = frozenset({"pending", "created", "updated", "unchanged", "rejected"})


def parse_csv(raw: bytes, entity: str, max_rows: int) -> list[dict[str, str]]:
    """The file's rows as ``{column: cell}``; ValidationException naming what is wrong."""
    if entity not in IMPORTABLE:
        raise ValidationException(f"entity: one of {', '.join(IMPORTABLE)}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationException("file: not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or []) if h is not None]
    if not header:
        raise ValidationException("file: no header row")
    known = set(IMPORTABLE[entity].model_fields)
    unknown = [h for h in header if h not in known]
    if unknown:
        raise ValidationException(
            f"file: unknown column(s) {', '.join(unknown)} for {entity} (known: {', '.join(sorted(known))})"
        )
    rows: list[dict[str, str]] = []
    try:
        for r in reader:
            if len(rows) >= max_rows:
                raise ValidationException(f"file: more than {max_rows} rows")
            if None in r:
                raise ValidationException(f"file: row {len(rows) + 1} has more cells than the header")
            rows.append({k.strip(): (v or "").strip() for k, v in r.items() if k is not None})
    except csv.Error as e:
        raise ValidationException(f"file: not valid CSV near row {len(rows) + 1}: {e}") from None
    return rows


def job_view(job: ImportJob) -> dict[str, Any]:
    return {k: getattr(job, k) for k in JOB_FIELDS} | {"workflow_id": job.workflow_id}


class ImportService(RecordService):
    def __init__(self, client: Client, engine: Engine, settings: Settings) -> None:
        super().__init__(engine)
        self.client, self.settings = client, settings

    async def start(
        self, p: Principal, entity: str, raw: bytes, filename: str | None, dry_run: bool
    ) -> dict[str, Any]:
        cfg = self.settings.imports
        if len(raw) > cfg.max_upload_bytes:
            raise PayloadTooLargeException(f"file: over {cfg.max_upload_bytes} bytes")
        rows = parse_csv(raw, entity, cfg.max_rows)

        def work(s: Session) -> ImportJob:
            job = repo.stage(
                s, p.tenant_id, entity, rows, dry_run=dry_run, filename=filename, created_by=p.user_id
            )
            job.workflow_id = import_workflow_id(p.tenant_id, job.id)
            s.flush()
            return job

        job = await self._db(p.tenant_id, work)
        await self.client.start_workflow(
            ImportWorkflow.run,
            ImportInput(
                tenant_id=p.tenant_id,
                import_id=job.id,
                batch_size=cfg.batch_size,
                batches_per_run=cfg.batches_per_run,
            ),
            id=job.workflow_id or "",
            task_queue=queues.AGENT,
        )
        return job_view(job)

    async def get(self, p: Principal, import_id: str) -> dict[str, Any]:  # type: ignore[override]
        def work(s: Session) -> dict[str, Any]:
            job = s.get(ImportJob, import_id)
            if job is None or job.tenant_id != p.tenant_id:
                raise NotFoundException(f"no import {import_id!r}")
            return job_view(job)

        return await self._db(p.tenant_id, work)

    async def list_jobs(self, p: Principal, cursor: str | None, limit: int) -> dict[str, Any]:
        def work(s: Session) -> dict[str, Any]:
            q = select(ImportJob).where(col(ImportJob.tenant_id) == p.tenant_id)
            page = keyset_page(
                s,
                q,
                col(ImportJob.created_at),
                col(ImportJob.id),
                sort="-created_at",
                descending=True,
                cursor=cursor,
                limit=limit,
            )
            return {"items": [job_view(j) for j in page.items], "next_cursor": page.next_cursor}

        return await self._db(p.tenant_id, work)

    async def rows(
        self, p: Principal, import_id: str, status: str | None, cursor: str | None, limit: int
    ) -> dict[str, Any]:
        if status is not None and status not in ROW_STATUSES:
            raise ValidationException(f"status: one of {', '.join(sorted(ROW_STATUSES))}")
        await self.get(p, import_id)

        def work(s: Session) -> dict[str, Any]:
            q = select(ImportRow).where(
                col(ImportRow.tenant_id) == p.tenant_id, col(ImportRow.import_id) == import_id
            )
            if status:
                q = q.where(col(ImportRow.status) == status)
            page = keyset_page(
                s, q, col(ImportRow.row_no), col(ImportRow.id), sort="row_no", cursor=cursor, limit=limit
            )
            items = [
                {"row_no": r.row_no, "status": r.status, "reason": r.reason, "record_id": r.record_id}
                for r in page.items
            ]
            return {"items": items, "next_cursor": page.next_cursor}

        return await self._db(p.tenant_id, work)
