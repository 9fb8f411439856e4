"""Platform-wide Temporal Schedules the agent worker keeps in place at start (idempotent upsert):

- ``audit-digest`` (issue 16 Build 1): :class:`AuditDigestWorkflow` every ``audit.digest_every_s``
  (hourly), overlap SKIP, so each tenant's audit chain head is signed within the hour it grew.
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
from workflows.audit_digest import AuditDigestWorkflow
from workflows.ids import AUDIT_DIGEST


def audit_digest_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(AuditDigestWorkflow.run, id=AUDIT_DIGEST, task_queue=queues.AGENT),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(seconds=settings.audit.digest_every_s))]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(note="signs each tenant's audit chain head (issue 16)"),
    )


async def ensure_platform_schedules(client: Client, settings: Settings) -> list[str]:
    """Create or update every platform schedule; returns their ids."""
    return [await schedules.upsert(client, AUDIT_DIGEST, audit_digest_schedule(settings))]
