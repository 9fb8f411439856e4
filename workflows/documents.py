"""Extraction of one document as a durable workflow (issue 14 Build 3), id
``doc-{tenant}-{document}`` (``workflows.ids.document_workflow_id``: starting twice is a no-op), on
the ``documents`` task queue.

``extract_document`` (sync, thread pool, heartbeats per page) reads the blob, extracts, chunks,
embeds and writes the chunks and ``completed`` (or ``skipped``) in one transaction, so a worker
killed mid-way and retried ends with one set of chunks. A document that cannot be extracted raises
a non-retryable ``DocumentUnextractable``; the workflow then records ``failed`` with its reason
(``finish_document``) and returns the result rather than failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from core import queues
    from core.failures import Failure
    from workflows import retry
    from workflows.ids import document_workflow_id


@dataclass(frozen=True)
class DocumentRef:
    tenant_id: str
    document_id: str


@dataclass(frozen=True)
class ExtractionResult:
    status: str
    """completed | skipped | failed"""
    reason: str | None = None
    page_count: int | None = None
    chunk_count: int = 0


@dataclass(frozen=True)
class FinishInput:
    ref: DocumentRef
    status: str
    reason: str


HEARTBEAT_S = 30
"""The extraction activity heartbeats after every page; a worker silent this long is presumed dead."""


@workflow.defn(name="DocumentExtraction")
class DocumentExtractionWorkflow:
    @workflow.run
    async def run(self, ref: DocumentRef) -> ExtractionResult:
        try:
            result: ExtractionResult = await workflow.execute_activity(
                "extract_document",
                ref,
                result_type=ExtractionResult,
                start_to_close_timeout=timedelta(minutes=30),
                heartbeat_timeout=timedelta(seconds=HEARTBEAT_S),
                retry_policy=retry.EXTRACT,
            )
            return result
        except ActivityError as e:
            cause = e.cause
            known = isinstance(cause, ApplicationError) and cause.type == Failure.DOCUMENT_UNEXTRACTABLE
            reason = cause.message if known and isinstance(cause, ApplicationError) else "extraction failed"
        await workflow.execute_activity(
            "finish_document",
            FinishInput(ref, "failed", reason),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=retry.DB,
        )
        return ExtractionResult(status="failed", reason=reason)


async def start_extraction(client: Client, ref: DocumentRef) -> str:
    """Start the document's extraction (outside workflows: the API and ``ingest_document``);
    a second start of the same id is a no-op. The workflow id."""
    from temporalio.exceptions import WorkflowAlreadyStartedError

    wid = document_workflow_id(ref.tenant_id, ref.document_id)
    try:
        await client.start_workflow(
            DocumentExtractionWorkflow.run,
            ref,
            id=wid,
            task_queue=queues.DOCUMENTS,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        pass
    return wid
