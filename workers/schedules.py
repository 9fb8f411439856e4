"""Temporal Schedules for the hourly cycle (replacing seed 004's ``0 * * * *`` cron route).

One schedule per tenant, ``cycle-schedule-{tenant}``: every hour at minute 0 with jitter,
overlap policy SKIP, starting :class:`ScheduledCycleWorkflow` on the agent queue. Operators see
and pause them in the Web UI's Schedules page; the admin API calls these functions.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleDescription,
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


# --- any schedule, by id (the cycle's and the compliance engine's) -------------------------


async def upsert(client: Client, sid: str, sched: Schedule) -> str:
    """Create the schedule, or replace it in place (spec, policy, state). Returns its id."""
    try:
        await client.create_schedule(sid, sched)
    except ScheduleAlreadyRunningError:

        async def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=sched)

        await client.get_schedule_handle(sid).update(replace)
    return sid


async def _found(call: Awaitable[Any]) -> bool:
    """Await a schedule call; False when the schedule does not exist."""
    try:
        await call
    except RPCError as e:
        if e.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def pause(client: Client, sid: str, paused: bool, note: str) -> bool:
    """Pause or unpause; False when there is no such schedule."""
    handle = client.get_schedule_handle(sid)
    return await _found(handle.pause(note=note) if paused else handle.unpause(note=note))


async def trigger(client: Client, sid: str) -> bool:
    """Run now (an overlap policy SKIP ignores it while a run is in flight); False when absent."""
    return await _found(client.get_schedule_handle(sid).trigger())


async def delete(client: Client, sid: str) -> bool:
    return await _found(client.get_schedule_handle(sid).delete())


async def describe(client: Client, sid: str) -> tuple[ScheduleDescription | None, dict[str, Any]]:
    """The description and its common view (id, paused, note, overlap, next runs, recent
    actions); (None, {}) when there is no such schedule."""
    try:
        d = await client.get_schedule_handle(sid).describe()
    except RPCError as e:
        if e.status == RPCStatusCode.NOT_FOUND:
            return None, {}
        raise
    return d, {
        "id": d.id,
        "paused": d.schedule.state.paused,
        "note": d.schedule.state.note,
        "overlap": d.schedule.policy.overlap.name,
        "next_action_times": [t.isoformat() for t in d.info.next_action_times[:3]],
        "recent_actions": [
            {"scheduled_at": a.scheduled_at.isoformat(), "started_at": a.started_at.isoformat()}
            for a in d.info.recent_actions[-5:]
        ],
    }


# --- the tenant's hourly cycle ----------------------------------------------------------------


async def ensure_schedule(
    client: Client, tenant_id: str, jitter_s: int, paused: bool = False, note: str = ""
) -> str:
    """Create the tenant's schedule, or update it in place (spec, jitter, paused). Returns its id."""
    sched = _schedule(tenant_id, jitter_s, paused, note or ("paused" if paused else "agent enabled"))
    return await upsert(client, schedule_id(tenant_id), sched)


async def set_paused(client: Client, tenant_id: str, paused: bool, note: str) -> bool:
    """Pause or unpause; False when the tenant has no schedule."""
    return await pause(client, schedule_id(tenant_id), paused, note)


async def delete_schedule(client: Client, tenant_id: str) -> bool:
    return await delete(client, schedule_id(tenant_id))


async def describe_schedule(client: Client, tenant_id: str) -> dict[str, Any] | None:
    """Id, paused, note, jitter, overlap, next runs and recent actions; None when there is none."""
    d, view = await describe(client, schedule_id(tenant_id))
    if d is None:
        return None
    return {**view, "jitter_s": int(d.schedule.spec.jitter.total_seconds()) if d.schedule.spec.jitter else 0}
