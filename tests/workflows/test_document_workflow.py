"""The document extraction workflow (issue 14) with stand-in activities under the real names, on
the test stack's Temporal dev server: a completed extraction is returned as is; an unextractable
file (non-retryable ``DocumentUnextractable``) is recorded ``failed`` with its reason and not
retried; a transient crash is retried."""

from __future__ import annotations

import uuid

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from core.failures import Failure
from tests.histories import record
from workers.sandbox import workflow_runner
from workflows.documents import DocumentExtractionWorkflow, DocumentRef, ExtractionResult, FinishInput
from workflows.registry import DOCUMENT_WORKFLOWS


async def run(
    client: Client, behaviour: str
) -> tuple[ExtractionResult, list[int], list[FinishInput], object]:
    calls: list[int] = []
    finished: list[FinishInput] = []

    @activity.defn(name="extract_document")
    def extract_document(ref: DocumentRef) -> ExtractionResult:
        calls.append(activity.info().attempt)
        if behaviour == "encrypted":
            raise ApplicationError("encrypted PDF", type=Failure.DOCUMENT_UNEXTRACTABLE, non_retryable=True)
        if behaviour == "crash_once" and activity.info().attempt == 1:
            raise RuntimeError("worker lost")
        return ExtractionResult("completed", None, 3, 7)

    @activity.defn(name="finish_document")
    def finish_document(f: FinishInput) -> None:
        finished.append(f)

    from concurrent.futures import ThreadPoolExecutor

    queue = f"docs-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(2) as pool:
        async with Worker(
            client,
            task_queue=queue,
            workflows=DOCUMENT_WORKFLOWS,
            activities=[extract_document, finish_document],
            activity_executor=pool,
            workflow_runner=workflow_runner(),
        ):
            handle = await client.start_workflow(
                DocumentExtractionWorkflow.run,
                DocumentRef("t", uuid.uuid4().hex),
                id=f"doc-t-{uuid.uuid4().hex}",
                task_queue=queue,
            )
            result = await handle.result()
    return result, calls, finished, handle


async def test_completed_extraction_is_the_result(temporal_client: Client) -> None:
    result, calls, finished, handle = await run(temporal_client, "ok")
    assert result == ExtractionResult("completed", None, 3, 7)
    assert calls == [1] and finished == []
    await record(handle)


async def test_unextractable_is_recorded_failed_without_retry(temporal_client: Client) -> None:
    result, calls, finished, handle = await run(temporal_client, "encrypted")
    assert result == ExtractionResult("failed", "encrypted PDF")
    assert calls == [1]
    assert [(f.status, f.reason) for f in finished] == [("failed", "encrypted PDF")]
    await record(handle)


async def test_a_crash_is_retried(temporal_client: Client) -> None:
    result, calls, finished, _ = await run(temporal_client, "crash_once")
    assert result.status == "completed" and calls == [1, 2] and finished == []
