"""Platform-wide Temporal Schedules the agent worker keeps in place at start (idempotent upsert):

- ``audit-digest`` (issue 16 Build 1): :class:`AuditDigestWorkflow` every ``audit.digest_every_s``
  (hourly), overlap SKIP, so each tenant's audit chain head is signed within the hour it grew.
- ``alert-sweep`` (issue 17 Build 6): :class:`AlertSweepWorkflow` every ``agent.alert_sweep_every_s``
  (hourly), overlap SKIP: the seed's alert rules for every enabled tenant, off the cycle's path.
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
    ScheduleState,
)

from core import queues, schedules
from core.settings import Settings
from workflows.alert_sweep import AlertSweepWorkflow
from workflows.audit_digest import AuditDigestWorkflow
from workflows.ids import ALERT_SWEEP, AUDIT_DIGEST


def audit_digest_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(AuditDigestWorkflow.run, id=AUDIT_DIGEST, task_queue=queues.AGENT),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(seconds=settings.audit.digest_every_s))]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(note="signs each tenant's audit chain head (issue 16)"),
    )


def alert_sweep_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(AlertSweepWorkflow.run, id=ALERT_SWEEP, task_queue=queues.AGENT),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(seconds=settings.agent.alert_sweep_every_s))]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(note="the seed's alert rules for every enabled tenant (issue 17)"),
    )


async def ensure_platform_schedules(client: Client, settings: Settings) -> list[str]:
    """Create or update every platform schedule; returns their ids."""
    return [
        await schedules.upsert(client, AUDIT_DIGEST, audit_digest_schedule(settings)),
        await schedules.upsert(client, ALERT_SWEEP, alert_sweep_schedule(settings)),
    ]
