"""Typed calls of the mailbox activities: the capture on the workflow's own queue (agent); the
understanding ones (``route_messages``, ``hand_off_mail_attachments``) on ``queue``: the inbox
worker's (``queues.INBOX``) since patch ``understand-on-inbox-queue``, else the workflow's.

``sync_mailbox_batch`` heartbeats per FETCH round trip: a killed worker is noticed within
``HEARTBEAT_S`` and the batch retries (it is idempotent: content-addressed blobs, insert-or-skip
rows, checkpoint in the same commit). Deterministic: call only from workflow code."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from pydantic import BaseModel
from temporalio import workflow

from workflows import retry
from workflows.inbox.messages import (
    AttachmentsInput,
    AttachmentsResult,
    RouteInput,
    RouteResult,
    SyncBatchInput,
    SyncBatchResult,
)

BATCH_S = 600
HEARTBEAT_S = 30


R = TypeVar("R", bound=BaseModel)


async def _mailbox_activity(name: str, inp: BaseModel, result_type: type[R], queue: str | None = None) -> R:
    """One mailbox activity on ``queue`` (None: the workflow's): ``BATCH_S`` to finish, a
    heartbeat every ``HEARTBEAT_S``, retried under ``retry.MAILBOX``."""
    result: R = await workflow.execute_activity(
        name,
        inp,
        result_type=result_type,
        task_queue=queue,
        start_to_close_timeout=timedelta(seconds=BATCH_S),
        heartbeat_timeout=timedelta(seconds=HEARTBEAT_S),
        retry_policy=retry.MAILBOX,
    )
    return result


async def sync_mailbox_batch(inp: SyncBatchInput) -> SyncBatchResult:
    return await _mailbox_activity("sync_mailbox_batch", inp, SyncBatchResult)


async def hand_off_attachments(inp: AttachmentsInput, queue: str | None = None) -> AttachmentsResult:
    return await _mailbox_activity("hand_off_mail_attachments", inp, AttachmentsResult, queue)


async def route_messages(inp: RouteInput, queue: str | None = None) -> RouteResult:
    """Understand and route new messages (issue 13 Builds 3, 5); idempotent per message
    (``routed_at``), so a retried batch skips what it already routed."""
    return await _mailbox_activity("route_messages", inp, RouteResult, queue)
