"""Temporal Schedules of mailbox connections (issue 13 Build 2; seed 004 P0.2): one per
connection, ``mailsync-schedule-{tenant}-{connection}``, every ``inbox.sync_every_s`` (5 minutes)
with up to ``inbox.sync_jitter_s`` of jitter, overlap policy SKIP, starting ``MailboxSync``
(``mailsync-{tenant}-{connection}``) on the agent queue with the TenantId and Kind search
attributes. Created with the connection, deleted with it.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from core import queues, schedules
from core import search_attributes as sa
from core.inbox_settings import InboxSettings
from workflows.ids import mailsync_schedule_id, mailsync_workflow_id
from workflows.inbox.messages import MailboxSyncInput
from workflows.inbox.workflow import MailboxSyncWorkflow

KIND_MAILSYNC = "mailsync"


def _schedule(tenant_id: str, connection_id: str, cfg: InboxSettings) -> Schedule:
    inp = MailboxSyncInput(
        tenant_id=tenant_id,
        connection_id=connection_id,
        batch_size=cfg.batch_size,
        batches_per_run=cfg.batches_per_run,
        batches_per_activity=cfg.batches_per_activity,
    )
    return Schedule(
        action=ScheduleActionStartWorkflow(
            MailboxSyncWorkflow.run,
            inp,
            id=mailsync_workflow_id(tenant_id, connection_id),
            task_queue=queues.AGENT,
            typed_search_attributes=TypedSearchAttributes(
                [SearchAttributePair(sa.TENANT_ID, tenant_id), SearchAttributePair(sa.KIND, KIND_MAILSYNC)]
            ),
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(seconds=cfg.sync_every_s))],
            jitter=timedelta(seconds=cfg.sync_jitter_s),
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(minutes=10)),
    )


async def ensure_schedule(client: Client, tenant_id: str, connection_id: str, cfg: InboxSettings) -> str:
    """Create the connection's schedule or replace it in place; its id."""
    sid = mailsync_schedule_id(tenant_id, connection_id)
    return await schedules.upsert(client, sid, _schedule(tenant_id, connection_id, cfg))


async def trigger(client: Client, tenant_id: str, connection_id: str) -> bool:
    """Sync now (ignored while a sync runs: overlap SKIP); False when there is no schedule."""
    return await schedules.trigger(client, mailsync_schedule_id(tenant_id, connection_id))


async def delete_schedule(client: Client, tenant_id: str, connection_id: str) -> bool:
    return await schedules.delete(client, mailsync_schedule_id(tenant_id, connection_id))
