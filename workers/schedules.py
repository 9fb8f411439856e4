"""Temporal Schedules for the hourly cycle (replacing seed 004's ``0 * * * *`` cron route).

One schedule per tenant, ``cycle-schedule-{tenant}``: every hour at minute 0 with jitter,
overlap policy SKIP, starting :class:`ScheduledCycleWorkflow` on the agent queue. Operators see
and pause them in the Web UI's Schedules page; the admin API calls these functions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError, RPCStatusCode

from core import queues
from core import search_attributes as sa
from workflows.cycle.models import TenantRef
from workflows.cycle.workflow import ScheduledCycleWorkflow


def schedule_id(tenant_id: str) -> str:
    return f"cycle-schedule-{tenant_id}"


def _schedule(tenant_id: str, jitter_s: int, paused: bool, note: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ScheduledCycleWorkflow.run,
            TenantRef(tenant_id=tenant_id),
            id=f"cycle-trigger-{tenant_id}",
            task_queue=queues.AGENT,
            typed_search_attributes=TypedSearchAttributes(
                [SearchAttributePair(sa.TENANT_ID, tenant_id), SearchAttributePair(sa.KIND, "cycle-trigger")]
            ),
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(minute=[ScheduleRange(0)], hour=[ScheduleRange(0, 23)])],
            jitter=timedelta(seconds=jitter_s),
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(paused=paused, note=note),
    )


async def ensure_schedule(
    client: Client, tenant_id: str, jitter_s: int, paused: bool = False, note: str = ""
) -> str:
    """Create the tenant's schedule, or update it in place (spec, jitter, paused). Returns its id."""
    sid = schedule_id(tenant_id)
    sched = _schedule(tenant_id, jitter_s, paused, note or ("paused" if paused else "agent enabled"))
    try:
        await client.create_schedule(sid, sched)
    except ScheduleAlreadyRunningError:

        async def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=sched)

        await client.get_schedule_handle(sid).update(replace)
    return sid


async def set_paused(client: Client, tenant_id: str, paused: bool, note: str) -> bool:
    """Pause or unpause; False when the tenant has no schedule."""
    handle = client.get_schedule_handle(schedule_id(tenant_id))
    try:
        await (handle.pause(note=note) if paused else handle.unpause(note=note))
    except RPCError as e:
        if e.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def delete_schedule(client: Client, tenant_id: str) -> bool:
    try:
        await client.get_schedule_handle(schedule_id(tenant_id)).delete()
    except RPCError as e:
        if e.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def describe_schedule(client: Client, tenant_id: str) -> dict[str, Any] | None:
    """Id, paused, note, jitter, next runs and recent actions; None when there is none."""
    try:
        d = await client.get_schedule_handle(schedule_id(tenant_id)).describe()
    except RPCError as e:
        if e.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    return {
        "id": d.id,
        "paused": d.schedule.state.paused,
        "note": d.schedule.state.note,
        "jitter_s": int(d.schedule.spec.jitter.total_seconds()) if d.schedule.spec.jitter else 0,
        "overlap": d.schedule.policy.overlap.name,
        "next_action_times": [t.isoformat() for t in d.info.next_action_times[:3]],
        "recent_actions": [
            {"scheduled_at": a.scheduled_at.isoformat(), "started_at": a.started_at.isoformat()}
            for a in d.info.recent_actions[-5:]
        ],
    }
