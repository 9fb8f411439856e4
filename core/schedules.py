"""Temporal Schedules by id: create-or-replace, pause, trigger, delete, describe.

Generic plumbing for every area's schedules (the hourly cycle's ``cycle-schedule-{tenant}``, the
compliance engine's ``compliance-schedule-{tenant}-{id}``, and later mailbox polling and
retention). Each area's schedule *spec* lives with the service that owns it; this module only
talks to Temporal. ``NOT_FOUND`` becomes ``False``/``None``; other RPC errors propagate.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from temporalio.client import (
    Client,
    Schedule,
    ScheduleAlreadyRunningError,
    ScheduleDescription,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode


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


async def exists(call: Awaitable[Any]) -> bool:
    """Await a schedule call (e.g. ``handle.update(fn)``); False when the schedule does not exist."""
    return await _found(call)


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
