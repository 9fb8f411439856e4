"""``MailboxSync`` (id ``mailsync-{tenant}-{connection}``, agent queue), started every 5 minutes
by the connection's Temporal Schedule (overlap SKIP; seed 004 P0.2). Each activity works through
up to ``batches_per_activity`` batches of ``batch_size`` new UIDs after the checkpoint in one IMAP
session, each batch stored with the checkpoint advanced in the same commit; then the new
messages are understood and routed (``route_messages``: classification, threading, suppression,
opt-outs, signals, feedback answers; issue 13 Builds 3, 5) and their attachments go to the
documents library. Ends when no new mail
is left or the login fails (the status is on the connection row); continues as new after
``batches_per_run`` batches, so a 100,000-message mailbox keeps a small history. Issue 13 Build 2.
"""

from __future__ import annotations

from temporalio import workflow

from workflows.inbox import activities as act
from workflows.inbox.messages import (
    AttachmentsInput,
    MailboxSyncInput,
    MailboxSyncResult,
    RouteInput,
    SyncBatchInput,
)


@workflow.defn(name="MailboxSync")
class MailboxSyncWorkflow:
    @workflow.run
    async def run(self, inp: MailboxSyncInput) -> MailboxSyncResult:
        fetched = inserted = failed = documents = batches = 0
        rescanned = False
        status = "connected"
        for _ in range(inp.batches_per_run):
            b = await act.sync_mailbox_batch(
                SyncBatchInput(
                    tenant_id=inp.tenant_id,
                    connection_id=inp.connection_id,
                    batch_size=inp.batch_size,
                    max_batches=inp.batches_per_activity,
                )
            )
            batches += 1
            status, rescanned = b.status, rescanned or b.rescanned
            fetched, inserted, failed = fetched + b.fetched, inserted + b.inserted, failed + b.failed
            if b.status == "connected" and workflow.patched("route-inbound"):  # older histories: no routing
                more = True
                while more:
                    routed = await act.route_messages(
                        RouteInput(tenant_id=inp.tenant_id, connection_id=inp.connection_id)
                    )
                    more = routed.more and routed.routed > 0
            if b.attachments:
                handed = await act.hand_off_attachments(
                    AttachmentsInput(tenant_id=inp.tenant_id, connection_id=inp.connection_id)
                )
                documents += handed.documents
            if status != "connected" or not b.more:
                return MailboxSyncResult(
                    status=status,
                    fetched=fetched,
                    inserted=inserted,
                    failed=failed,
                    batches=batches,
                    rescanned=rescanned,
                    documents=documents,
                )
        workflow.continue_as_new(inp.model_copy(update={"runs": inp.runs + 1}))
