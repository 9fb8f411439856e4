"""``ImportWorkflow`` (id ``import-{tenant}-{import}``, agent queue): works through a CSV import's
staged rows in batches, each batch one activity and one transaction that writes the records and
every row's outcome (so a retried batch skips what is done: exactly once), then marks the import
completed. Continues as new every ``batches_per_run`` batches. Issue 12, Build 2."""

from __future__ import annotations

from temporalio import workflow

from workflows.imports import activities as act
from workflows.imports.messages import BatchInput, ImportInput, ImportResult


@workflow.defn
class ImportWorkflow:
    def __init__(self) -> None:
        self._after = 0

    @workflow.query
    def last_row_done(self) -> int:
        """The last staged row this run has finished (progress counts: ``GET /api/imports/{id}``)."""
        return self._after

    @workflow.run
    async def run(self, inp: ImportInput) -> ImportResult:
        self._after = inp.after_row_no
        for _ in range(inp.batches_per_run):
            batch = await act.import_batch(
                BatchInput(
                    tenant_id=inp.tenant_id,
                    import_id=inp.import_id,
                    after_row_no=self._after,
                    batch_size=inp.batch_size,
                )
            )
            self._after = batch.last_row_no
            if not batch.more:
                return await act.finish_import(inp.tenant_id, inp.import_id)
        workflow.continue_as_new(inp.model_copy(update={"after_row_no": self._after}))
