"""``MailboxSync`` on the real dev server with stand-in activities under the real names (issue 13
Build 2): batches follow each other until no new mail is left, attachments are handed on after the
batch that stored them, the run continues as new every ``batches_per_run`` batches, and a refused
login ends the run with its status. Real IMAP, Postgres and Vault: tests/integration/test_mailsync.py."""

from __future__ import annotations

import uuid

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from tests.histories import record
from workers.sandbox import workflow_runner
from workflows.ids import mailsync_workflow_id
from workflows.inbox.messages import (
    AttachmentsInput,
    AttachmentsResult,
    MailboxSyncInput,
    RouteInput,
    RouteResult,
    SyncBatchInput,
    SyncBatchResult,
)
from workflows.inbox.workflow import MailboxSyncWorkflow
from workflows.registry import WORKFLOWS


async def _runs(client: Client, handle: WorkflowHandle) -> int:
    runs, run_id = 1, handle.first_execution_run_id
    while True:
        hist = await client.get_workflow_handle(handle.id, run_id=run_id).fetch_history()
        nxt = hist.events[-1].workflow_execution_continued_as_new_event_attributes.new_execution_run_id
        if not nxt:
            return runs
        runs, run_id = runs + 1, nxt


async def test_batches_until_no_new_mail_hand_off_attachments_and_continue_as_new(
    temporal_client: Client,
) -> None:
    total, last = 23, [0]
    handed: list[str] = []

    @activity.defn(name="sync_mailbox_batch")
    async def sync_mailbox_batch(inp: SyncBatchInput) -> SyncBatchResult:
        start = last[0]
        last[0] = min(start + inp.batch_size, total)
        n = last[0] - start
        return SyncBatchResult(
            status="connected", fetched=n, inserted=n, failed=1 if start == 0 else 0,
            last_uid=last[0], more=last[0] < total, attachments=1 if start == 5 else 0,
        )  # fmt: skip

    @activity.defn(name="hand_off_mail_attachments")
    async def hand_off(inp: AttachmentsInput) -> AttachmentsResult:
        handed.append(inp.connection_id)
        return AttachmentsResult(messages=1, documents=2)

    @activity.defn(name="route_messages")
    async def route_messages(inp: RouteInput) -> RouteResult:
        return RouteResult()

    queue, conn = f"mailsync-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    async with Worker(
        temporal_client,
        task_queue=queue,
        workflows=WORKFLOWS,
        activities=[sync_mailbox_batch, hand_off, route_messages],
        workflow_runner=workflow_runner(),
    ):
        handle: WorkflowHandle = await temporal_client.start_workflow(
            MailboxSyncWorkflow.run,
            MailboxSyncInput(tenant_id="acme", connection_id=conn, batch_size=5, batches_per_run=2),
            id=mailsync_workflow_id("acme", conn),
            task_queue=queue,
        )
        result = await handle.result()
        await record(handle)
    assert handed == [conn]  # once, after the batch that stored a message with attachments
    # the last run (after 2 continue-as-new) reports its own batch only
    assert result.status == "connected" and result.batches == 1 and result.fetched == 3
    assert await _runs(temporal_client, handle) == 3


async def test_a_refused_login_ends_the_run_with_its_status(temporal_client: Client) -> None:
    @activity.defn(name="sync_mailbox_batch")
    async def sync_mailbox_batch(inp: SyncBatchInput) -> SyncBatchResult:
        return SyncBatchResult(status="auth_failed")

    @activity.defn(name="hand_off_mail_attachments")
    async def hand_off(inp: AttachmentsInput) -> AttachmentsResult:
        raise AssertionError("no attachments after a refused login")

    queue, conn = f"mailsync-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    async with Worker(
        temporal_client,
        task_queue=queue,
        workflows=WORKFLOWS,
        activities=[sync_mailbox_batch, hand_off],
        workflow_runner=workflow_runner(),
    ):
        handle: WorkflowHandle = await temporal_client.start_workflow(
            MailboxSyncWorkflow.run,
            MailboxSyncInput(tenant_id="acme", connection_id=conn),
            id=mailsync_workflow_id("acme", conn),
            task_queue=queue,
        )
        result = await handle.result()
        await record(handle)
    assert result.status == "auth_failed" and result.batches == 1 and result.inserted == 0


async def test_each_batch_routes_its_new_messages_until_none_are_left(temporal_client: Client) -> None:
    """Issue 13 Builds 3, 5: after each stored batch, ``route_messages`` runs until a call routes
    less than a full batch; then the attachments go."""
    order: list[str] = []
    pending = [250]  # three route calls: 100, 100, 50

    @activity.defn(name="sync_mailbox_batch")
    async def sync_mailbox_batch(inp: SyncBatchInput) -> SyncBatchResult:
        order.append("sync")
        return SyncBatchResult(status="connected", fetched=250, inserted=250, last_uid=250, attachments=1)

    @activity.defn(name="route_messages")
    async def route_messages(inp: RouteInput) -> RouteResult:
        n = min(inp.limit, pending[0])
        pending[0] -= n
        order.append(f"route:{n}")
        return RouteResult(routed=n, kinds={"reply": n}, more=n == inp.limit)

    @activity.defn(name="hand_off_mail_attachments")
    async def hand_off(inp: AttachmentsInput) -> AttachmentsResult:
        order.append("attachments")
        return AttachmentsResult(messages=1, documents=1)

    queue, conn = f"mailsync-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    async with Worker(
        temporal_client,
        task_queue=queue,
        workflows=WORKFLOWS,
        activities=[sync_mailbox_batch, route_messages, hand_off],
        workflow_runner=workflow_runner(),
    ):
        handle: WorkflowHandle = await temporal_client.start_workflow(
            MailboxSyncWorkflow.run,
            MailboxSyncInput(tenant_id="acme", connection_id=conn),
            id=mailsync_workflow_id("acme", conn),
            task_queue=queue,
        )
        result = await handle.result()
        await record(handle)
    assert order == ["sync", "route:100", "route:100", "route:50", "attachments"]
    assert (result.status, result.inserted, result.documents) == ("connected", 250, 1)
