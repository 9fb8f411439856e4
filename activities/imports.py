"""Import activities (issue 12, Build 2): thin adapters over :mod:`schema.repositories.imports`,
each in the tenant's transaction (RLS), run on the agent worker's thread pool."""

from __future__ import annotations

from sqlalchemy import Engine
from temporalio import activity

from schema.db import tenant_transaction
from schema.repositories import imports as repo
from workflows.imports.messages import BatchInput, BatchResult, ImportResult


class ImportActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn(name="import_batch")
    def import_batch(self, inp: BatchInput) -> BatchResult:
        activity.heartbeat(inp.after_row_no)
        with tenant_transaction(self.engine, inp.tenant_id) as s:
            last, n, more = repo.run_batch(s, inp.tenant_id, inp.import_id, inp.after_row_no, inp.batch_size)
        return BatchResult(last_row_no=last, processed=n, more=more)

    @activity.defn(name="finish_import")
    def finish_import(self, tenant_id: str, import_id: str) -> ImportResult:
        with tenant_transaction(self.engine, tenant_id) as s:
            job = repo.finish(s, tenant_id, import_id)
            return ImportResult(
                import_id=job.id,
                status=job.status,
                total_rows=job.total_rows,
                created=job.created,
                updated=job.updated,
                unchanged=job.unchanged,
                rejected=job.rejected,
            )

    def all(self) -> list[object]:
        return [self.import_batch, self.finish_import]
