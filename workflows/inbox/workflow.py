"""``MailboxSync`` (id ``mailsync-{tenant}-{connection}``, agent queue), started every 5 minutes
by the connection's Temporal Schedule (overlap SKIP; seed 004 P0.2). Issue 13 Build 2.

Two stages, concurrent (patch ``capture-then-understand``):

- **capture**: each ``sync_mailbox_batch`` works through up to ``batches_per_activity`` batches
  of ``batch_size`` new UIDs after the checkpoint in one IMAP session, each batch's raw messages
  sealed and its ``received`` rows inserted with the checkpoint advanced in the same commit (no
  MIME parse). Ends when no new mail is left or the login fails (the status is on the
  connection row);
- **understanding**: meanwhile ``route_messages`` drains the captured rows page by page (parse,
  classification, threading, suppression, opt-outs, signals, feedback answers; Builds 3, 5) and
  hands attachments to the documents library. Its rows are claimed in the database, so more
  understanders (``understanders``, or other workflows) never route a row twice. Since patch
  ``understand-on-inbox-queue`` these activities run on the inbox worker's own queue
  (``queues.INBOX``, workers/inbox.py), so they take no CPU or GIL from the capture's process.

The run returns when both are done; it continues as new after ``batches_per_run`` capture
activities (understanding drained first), so a 100,000-message mailbox keeps a small history.
Histories from before the patch replay the old shape (:meth:`_coupled`: understanding after each
capture activity).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from temporalio import workflow

from workflows.inbox import activities as act
from workflows.inbox.messages import (
    AttachmentsInput,
    MailboxSyncInput,
    MailboxSyncResult,
    RouteInput,
    SyncBatchInput,
    SyncBatchResult,
)


@workflow.defn(name="MailboxSync")
class MailboxSyncWorkflow:
    def __init__(self) -> None:
        self._inserted = 0
        self._capturing = True
        self._failed = self._documents = 0
        self._queue: str | None = None
        """The understanding activities' task queue (None: the workflow's, before the patch)."""

    @workflow.run
    async def run(self, inp: MailboxSyncInput) -> MailboxSyncResult:
        if not workflow.patched("capture-then-understand"):
            return await self._coupled(inp)
        if workflow.patched("understand-on-inbox-queue"):
            self._queue = inp.understanding_queue
        understanders = [asyncio.ensure_future(self._understand(inp)) for _ in range(inp.understanders)]
        out = MailboxSyncResult(status="connected")
        try:
            for _ in range(inp.batches_per_run):
                b = await act.sync_mailbox_batch(self._batch(inp))
                self._inserted += b.inserted
                out = _add(out, b)
                if out.status != "connected" or not b.more:
                    break
        finally:
            self._capturing = False
            await asyncio.gather(*understanders)
        out = out.model_copy(update={"failed": out.failed + self._failed, "documents": self._documents})
        if out.status == "connected" and out.batches == inp.batches_per_run and b.more:
            workflow.continue_as_new(inp.model_copy(update={"runs": inp.runs + 1}))
        return out

    async def _understand(self, inp: MailboxSyncInput) -> None:
        """Drain the captured rows until the capture is over and none is left."""
        while True:
            seen, capturing = self._inserted, self._capturing
            r = await act.route_messages(
                RouteInput(tenant_id=inp.tenant_id, connection_id=inp.connection_id), self._queue
            )
            self._failed += r.failed
            if r.attachments:
                handed = await act.hand_off_attachments(
                    AttachmentsInput(tenant_id=inp.tenant_id, connection_id=inp.connection_id), self._queue
                )
                self._documents += handed.documents
            if r.more and r.routed > 0:
                continue
            if not capturing:  # this page started after the last capture: nothing is left
                return
            await workflow.wait_condition(self._news(seen))
            if self._inserted == seen:  # the capture ended with nothing new since this page began
                return

    def _news(self, seen: int) -> Callable[[], bool]:
        """Whether rows were captured since ``seen`` were, or the capture is over."""
        return lambda: self._inserted > seen or not self._capturing

    @staticmethod
    def _batch(inp: MailboxSyncInput) -> SyncBatchInput:
        return SyncBatchInput(
            tenant_id=inp.tenant_id,
            connection_id=inp.connection_id,
            batch_size=inp.batch_size,
            max_batches=inp.batches_per_activity,
        )

    async def _coupled(self, inp: MailboxSyncInput) -> MailboxSyncResult:
        """The shape before ``capture-then-understand`` (replay of older histories)."""
        out = MailboxSyncResult(status="connected")
        for _ in range(inp.batches_per_run):
            b = await act.sync_mailbox_batch(self._batch(inp))
            out = _add(out, b)
            attachments = b.attachments  # a capture since the split reports 0: routing counts them
            if b.status == "connected" and workflow.patched("route-inbound"):  # older: no routing
                more = True
                while more:
                    routed = await act.route_messages(
                        RouteInput(tenant_id=inp.tenant_id, connection_id=inp.connection_id)
                    )
                    attachments += routed.attachments  # 0 in histories from before the split
                    more = routed.more and routed.routed > 0
            if attachments:
                handed = await act.hand_off_attachments(
                    AttachmentsInput(tenant_id=inp.tenant_id, connection_id=inp.connection_id)
                )
                out = out.model_copy(update={"documents": out.documents + handed.documents})
            if out.status != "connected" or not b.more:
                return out
        workflow.continue_as_new(inp.model_copy(update={"runs": inp.runs + 1}))


def _add(out: MailboxSyncResult, b: SyncBatchResult) -> MailboxSyncResult:
    """``out`` with one capture activity's result added."""
    return out.model_copy(
        update={
            "status": b.status,
            "fetched": out.fetched + b.fetched,
            "inserted": out.inserted + b.inserted,
            "failed": out.failed + b.failed,
            "batches": out.batches + 1,
            "rescanned": out.rescanned or b.rescanned,
        }
    )
