"""ImportWorkflow on the time-skipping server with stand-in activities under the real names
(issue 12, Build 2): batches follow each other from the last row done, the workflow continues
as new every ``batches_per_run`` batches, and finishes once when no row is left. Real batches
on Postgres: tests/integration/test_imports.py."""

from __future__ import annotations

import uuid

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from core import queues
from tests.histories import record
from workers.sandbox import workflow_runner
from workflows.imports.messages import BatchInput, BatchResult, ImportInput, ImportResult
from workflows.imports.workflow import ImportWorkflow
from workflows.registry import WORKFLOWS


async def test_batches_resume_after_the_last_row_and_continue_as_new(time_env: WorkflowEnvironment) -> None:
    total = 23
    calls: list[int] = []
    finished: list[str] = []

    @activity.defn(name="import_batch")
    async def import_batch(inp: BatchInput) -> BatchResult:
        calls.append(inp.after_row_no)
        last = min(inp.after_row_no + inp.batch_size, total)
        return BatchResult(last_row_no=last, processed=last - inp.after_row_no, more=last < total)

    @activity.defn(name="finish_import")
    async def finish_import(tenant_id: str, import_id: str) -> ImportResult:
        finished.append(import_id)
        return ImportResult(
            import_id=import_id,
            status="completed",
            total_rows=total,
            created=total,
            updated=0,
            unchanged=0,
            rejected=0,
        )

    iid = uuid.uuid4().hex
    async with Worker(
        time_env.client,
        task_queue=queues.AGENT,
        workflows=WORKFLOWS,
        activities=[import_batch, finish_import],
        workflow_runner=workflow_runner(),
    ):
        handle: WorkflowHandle = await time_env.client.start_workflow(
            ImportWorkflow.run,
            ImportInput(tenant_id="acme", import_id=iid, batch_size=5, batches_per_run=2),
            id=f"import-acme-{iid}",
            task_queue=queues.AGENT,
        )
        result = await handle.result()
        await record(handle)
    assert calls == [0, 5, 10, 15, 20]
    assert finished == [iid]
    assert result.status == "completed" and result.total_rows == total
    runs, run_id = 1, handle.first_execution_run_id
    while True:  # follow the continue-as-new chain: 2 batches, 2 batches, 1 batch + finish
        hist = await time_env.client.get_workflow_handle(handle.id, run_id=run_id).fetch_history()
        nxt = hist.events[-1].workflow_execution_continued_as_new_event_attributes.new_execution_run_id
        if not nxt:
            break
        runs, run_id = runs + 1, nxt
    assert runs == 3
