"""Temporal Schedules of the compliance engine (seed 004 P1.7 ``compliance_schedule``).

One schedule per row, ``compliance-schedule-{tenant}-{schedule_id}``: a calendar spec from the
row's frequency (:func:`workflows.followups.compliance_rules.calendar_for`, 00:00 UTC on the 1st
of the frequency's months), overlap policy SKIP, starting :class:`ComplianceRunWorkflow` on the
agent queue with the TenantId and Kind search attributes. An inactive row's schedule is paused.
The compliance service calls these functions; operators see them in the Web UI's Schedules page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

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

from api.schemas.compliance import ScheduleDescription
from core import queues, schedules
from core import search_attributes as sa
from workflows.followups.compliance import KIND_RUN, ComplianceRunWorkflow
from workflows.followups.compliance_models import ComplianceRunInput
from workflows.followups.compliance_rules import calendar_for
from workflows.ids import compliance_run_workflow_id, compliance_schedule_id

CATCHUP = timedelta(days=7)
"""A run missed while Temporal was down still happens within a week of its time."""


def calendar_spec(frequency: str) -> ScheduleCalendarSpec:
    cal = calendar_for(frequency)
    return ScheduleCalendarSpec(
        second=[ScheduleRange(0)],
        minute=[ScheduleRange(cal.minute)],
        hour=[ScheduleRange(cal.hour)],
        day_of_month=[ScheduleRange(cal.day_of_month)],
        month=[ScheduleRange(m) for m in cal.months],
        comment=f"compliance {frequency}",
    )


def _schedule(
    tenant_id: str, sid: str, frequency: str, paused: bool, note: str, messaging_queue: str
) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ComplianceRunWorkflow.run,
            ComplianceRunInput(tenant_id=tenant_id, schedule_id=sid, messaging_queue=messaging_queue),
            id=compliance_run_workflow_id(tenant_id, sid),
            task_queue=queues.AGENT,
            typed_search_attributes=TypedSearchAttributes(
                [SearchAttributePair(sa.TENANT_ID, tenant_id), SearchAttributePair(sa.KIND, KIND_RUN)]
            ),
        ),
        spec=ScheduleSpec(calendars=[calendar_spec(frequency)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP),
        state=ScheduleState(paused=paused, note=note),
    )


async def ensure_schedule(
    client: Client,
    tenant_id: str,
    sid: str,
    frequency: str,
    paused: bool = False,
    note: str = "",
    messaging_queue: str = queues.MESSAGING,
) -> str:
    """Create the row's schedule, or replace it in place (spec, paused). Returns its id."""
    sched = _schedule(
        tenant_id, sid, frequency, paused, note or ("paused" if paused else "active"), messaging_queue
    )
    return await schedules.upsert(client, compliance_schedule_id(tenant_id, sid), sched)


async def set_paused(client: Client, tenant_id: str, sid: str, paused: bool, note: str) -> bool:
    """Pause or unpause; False when there is no such schedule."""
    return await schedules.pause(client, compliance_schedule_id(tenant_id, sid), paused, note)


async def trigger(client: Client, tenant_id: str, sid: str) -> bool:
    """Run now (overlap SKIP: ignored while a run is in flight); False when there is none."""
    return await schedules.trigger(client, compliance_schedule_id(tenant_id, sid))


async def delete_schedule(client: Client, tenant_id: str, sid: str) -> bool:
    return await schedules.delete(client, compliance_schedule_id(tenant_id, sid))


def _values(ranges: Any) -> list[int]:
    out: list[int] = []
    for r in ranges:
        out.extend(range(r.start, max(r.start, r.end) + 1, max(1, r.step)))
    return sorted(set(out))


async def describe_schedule(client: Client, tenant_id: str, sid: str) -> ScheduleDescription | None:
    """Id, paused, note, overlap, calendar (months, day, hour, minute UTC), next runs and recent
    actions; None when there is none."""
    d, view = await schedules.describe(client, compliance_schedule_id(tenant_id, sid))
    if d is None:
        return None
    calendar = [
        {
            "months": _values(c.month),
            "day_of_month": _values(c.day_of_month),
            "hour": _values(c.hour),
            "minute": _values(c.minute),
        }
        for c in d.schedule.spec.calendars
    ]
    return ScheduleDescription.model_validate({**view, "calendar": calendar})
