"""Typed calls of the mailbox activities, on the workflow's own queue (agent).

``sync_mailbox_batch`` heartbeats per FETCH round trip: a killed worker is noticed within
``HEARTBEAT_S`` and the batch retries (it is idempotent: content-addressed blobs, insert-or-skip
rows, checkpoint in the same commit). Deterministic: call only from workflow code."""

from __future__ import annotations

from datetime import timedelta

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


async def sync_mailbox_batch(inp: SyncBatchInput) -> SyncBatchResult:
    result: SyncBatchResult = await workflow.execute_activity(
        "sync_mailbox_batch",
        inp,
        result_type=SyncBatchResult,
        start_to_close_timeout=timedelta(seconds=BATCH_S),
        heartbeat_timeout=timedelta(seconds=HEARTBEAT_S),
        retry_policy=retry.MAILBOX,
    )
    return result


async def hand_off_attachments(inp: AttachmentsInput) -> AttachmentsResult:
    result: AttachmentsResult = await workflow.execute_activity(
        "hand_off_mail_attachments",
        inp,
        result_type=AttachmentsResult,
        start_to_close_timeout=timedelta(seconds=BATCH_S),
        heartbeat_timeout=timedelta(seconds=HEARTBEAT_S),
        retry_policy=retry.MAILBOX,
    )
    return result


async def route_messages(inp: RouteInput) -> RouteResult:
    """Understand and route new messages (issue 13 Builds 3, 5); idempotent per message
    (``routed_at``), so a retried batch skips what it already routed."""
    result: RouteResult = await workflow.execute_activity(
        "route_messages",
        inp,
        result_type=RouteResult,
        start_to_close_timeout=timedelta(seconds=BATCH_S),
        heartbeat_timeout=timedelta(seconds=HEARTBEAT_S),
        retry_policy=retry.MAILBOX,
    )
    return result
