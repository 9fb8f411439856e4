"""The hourly cycle's Temporal Schedule spec (replacing seed 004's ``0 * * * *`` cron route).

One schedule per tenant, ``cycle-schedule-{tenant}``: every hour at minute 0 with jitter,
overlap policy SKIP, starting :class:`ScheduledCycleWorkflow` on the agent queue, bounded by
:data:`workflows.cycle.hours.CYCLE_BOUND`. Operators see
and pause them in the Web UI's Schedules page; the admin service calls these functions, which
use the generic :mod:`core.schedules`.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from api.schemas.admin import CycleScheduleView
from core import queues, schedules
from core import search_attributes as sa
from workflows.cycle.hours import CYCLE_BOUND
from workflows.cycle.messages import TenantRef
from workflows.cycle.triggers import ScheduledCycleWorkflow
from workflows.ids import cycle_schedule_id, cycle_trigger_workflow_id


def _schedule(tenant_id: str, jitter_s: int, paused: bool, note: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ScheduledCycleWorkflow.run,
            TenantRef(tenant_id=tenant_id),
            id=cycle_trigger_workflow_id(tenant_id),
            task_queue=queues.AGENT,
            execution_timeout=CYCLE_BOUND,  # the cycles' bound (workflows/cycle/hours.py)
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


# --- the tenant's hourly cycle ----------------------------------------------------------------


async def ensure_schedule(
    client: Client, tenant_id: str, jitter_s: int, paused: bool = False, note: str = ""
) -> str:
    """Create the tenant's schedule, or update it in place (spec, jitter, paused). Returns its id."""
    sched = _schedule(tenant_id, jitter_s, paused, note or ("paused" if paused else "agent enabled"))
    return await schedules.upsert(client, cycle_schedule_id(tenant_id), sched)


async def set_paused(client: Client, tenant_id: str, paused: bool, note: str) -> bool:
    """Pause or unpause; False when the tenant has no schedule."""
    return await schedules.pause(client, cycle_schedule_id(tenant_id), paused, note)


async def delete_schedule(client: Client, tenant_id: str) -> bool:
    return await schedules.delete(client, cycle_schedule_id(tenant_id))


async def describe_schedule(client: Client, tenant_id: str) -> CycleScheduleView | None:
    """Id, paused, note, jitter, overlap, next runs and recent actions; None when there is none."""
    d, view = await schedules.describe(client, cycle_schedule_id(tenant_id))
    if d is None:
        return None
    jitter = d.schedule.spec.jitter
    return CycleScheduleView.model_validate(
        {**view, "jitter_s": int(jitter.total_seconds()) if jitter else 0}
    )
