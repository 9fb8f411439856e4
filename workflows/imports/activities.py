"""Typed calls of the import activities (agent queue): ``import_batch`` (one transaction per
batch, heartbeating; a killed worker is noticed within ``HEARTBEAT_S``) and ``finish_import``.
Deterministic: call only from workflow code."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

from workflows import retry
from workflows.imports.messages import BatchInput, BatchResult, ImportResult

with workflow.unsafe.imports_passed_through():
    from core import queues

BATCH_S = 300
HEARTBEAT_S = 15


async def import_batch(inp: BatchInput) -> BatchResult:
    result: BatchResult = await workflow.execute_activity(
        "import_batch",
        inp,
        task_queue=queues.AGENT,
        result_type=BatchResult,
        start_to_close_timeout=timedelta(seconds=BATCH_S),
        heartbeat_timeout=timedelta(seconds=HEARTBEAT_S),
        retry_policy=retry.DB_UNBOUNDED,
    )
    return result


async def finish_import(tenant_id: str, import_id: str) -> ImportResult:
    result: ImportResult = await workflow.execute_activity(
        "finish_import",
        args=[tenant_id, import_id],
        task_queue=queues.AGENT,
        result_type=ImportResult,
        start_to_close_timeout=timedelta(seconds=60),
        retry_policy=retry.DB_UNBOUNDED,
    )
    return result
