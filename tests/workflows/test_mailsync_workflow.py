"""``MailboxSync`` on the real dev server with stand-in activities under the real names (issue 13
Build 2): capture batches follow each other until no new mail is left while understanding drains
the captured rows beside them, attachments are handed on after the understanding that found them,
the run continues as new every ``batches_per_run`` capture activities, and a refused login ends
the run with its status. Real IMAP, Postgres and Vault: tests/integration/test_mailsync.py.
(The histories of the coupled shape before patch ``capture-then-understand``, recorded by earlier
tests of this module, still replay: tests/replay.)"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from core import queues
from tests.histories import record
from workers.sandbox import workflow_runner
from workflows.ids import mailsync_workflow_id
from workflows.inbox.messages import (
    AttachmentsInput,
    AttachmentsResult,
    MailboxSyncInput,
    MailboxSyncResult,
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


class _Mailbox:
    """Stand-ins: ``sync_mailbox_batch`` captures ``batch_size`` of ``total`` messages a call,
    ``route_messages`` routes up to ``limit`` of those captured and not yet routed."""

    def __init__(
        self, total: int, attachments_at: int = -1, malformed: int = 0, refuse: bool = False
    ) -> None:
        self.refuse = refuse
        self.total, self.captured, self.routed = total, 0, 0
        self.attachments_at, self.malformed = attachments_at, malformed
        self.handed: list[str] = []
        self.routes = 0

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="sync_mailbox_batch")
        async def sync_mailbox_batch(inp: SyncBatchInput) -> SyncBatchResult:
            if self.refuse:
                return SyncBatchResult(status="auth_failed")
            start = self.captured
            self.captured = min(start + inp.batch_size, self.total)
            n = self.captured - start
            return SyncBatchResult(
                status="connected", fetched=n, inserted=n, failed=1 if start == 0 else 0,
                last_uid=self.captured, more=self.captured < self.total,
            )  # fmt: skip

        @activity.defn(name="route_messages")
        async def route_messages(inp: RouteInput) -> RouteResult:
            self.routes += 1
            start = self.routed
            self.routed = min(start + inp.limit, self.captured)
            n = self.routed - start
            found = start <= self.attachments_at < self.routed
            failed = self.malformed if start == 0 and n else 0
            return RouteResult(routed=n, more=n == inp.limit, attachments=int(found), failed=failed)

        @activity.defn(name="hand_off_mail_attachments")
        async def hand_off(inp: AttachmentsInput) -> AttachmentsResult:
            self.handed.append(inp.connection_id)
            return AttachmentsResult(messages=1, documents=2)

        return [sync_mailbox_batch, route_messages, hand_off]


async def _run(client: Client, box: _Mailbox, inp: MailboxSyncInput) -> tuple[WorkflowHandle[Any, Any], Any]:
    """The capture stand-in on the workflow's queue, the understanding ones ONLY on the queue the
    input names for understanding (patch ``understand-on-inbox-queue``: a route scheduled on the
    workflow's queue would never run and the test would time out). That queue is the test's own,
    not ``queues.INBOX``: the integration tests' real inbox worker polls that one on this server
    and would take the stand-ins' tasks (it did, once in CI)."""
    queue = f"mailsync-{uuid.uuid4().hex[:8]}"
    inp = inp.model_copy(update={"understanding_queue": f"{queue}-inbox"})
    assert inp.understanding_queue != queues.INBOX
    capture, *understanding = box.activities()
    async with (
        Worker(
            client, task_queue=queue, workflows=WORKFLOWS, activities=[capture],
            workflow_runner=workflow_runner(),
        ),
        Worker(client, task_queue=inp.understanding_queue, activities=understanding),
    ):  # fmt: skip
        handle = await client.start_workflow(
            MailboxSyncWorkflow.run, inp, id=mailsync_workflow_id("acme", inp.connection_id), task_queue=queue
        )
        result: MailboxSyncResult = await handle.result()
        await record(handle)
    return handle, result


async def test_capture_until_no_new_mail_while_understanding_drains_and_continue_as_new(
    temporal_client: Client,
) -> None:
    box, conn = _Mailbox(23, attachments_at=7), uuid.uuid4().hex
    inp = MailboxSyncInput(tenant_id="acme", connection_id=conn, batch_size=5, batches_per_run=2)
    handle, result = await _run(temporal_client, box, inp)
    assert box.routed == box.captured == 23  # every captured message understood before the end
    assert box.handed == [conn]  # once, after the understanding that found the attachments
    # the last run (after 2 continue-as-new) reports its own batch only
    assert result.status == "connected" and result.batches == 1 and result.fetched == 3
    assert await _runs(temporal_client, handle) == 3


async def test_a_refused_login_ends_capture_and_understanding_with_its_status(
    temporal_client: Client,
) -> None:
    box, conn = _Mailbox(0, refuse=True), uuid.uuid4().hex
    _, result = await _run(temporal_client, box, MailboxSyncInput(tenant_id="acme", connection_id=conn))
    assert result.status == "auth_failed" and result.batches == 1 and result.inserted == 0
    assert box.handed == [] and box.routes <= 2


async def test_understanding_drains_every_captured_page_and_counts_malformed_as_failed(
    temporal_client: Client,
) -> None:
    """250 messages in one capture activity: understanding routes them in pages of 100 beside
    it, until none is left after the capture ended; its malformed ones add to ``failed``."""
    box, conn = _Mailbox(250, attachments_at=120, malformed=2), uuid.uuid4().hex
    inp = MailboxSyncInput(tenant_id="acme", connection_id=conn, batch_size=250)
    _, result = await _run(temporal_client, box, inp)
    assert box.routed == 250 and box.handed == [conn]
    assert (result.status, result.inserted, result.failed, result.documents) == ("connected", 250, 3, 2)
