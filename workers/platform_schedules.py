"""Platform-wide Temporal Schedules the agent worker keeps in place at start (idempotent upsert):

- ``audit-digest`` (issue 16 Build 1): :class:`AuditDigestWorkflow` every ``audit.digest_every_s``
  (hourly), overlap SKIP, so each tenant's audit chain head is signed within the hour it grew.
- ``alert-sweep`` (issue 17 Build 6): :class:`AlertSweepWorkflow` every ``agent.alert_sweep_every_s``
  (hourly), overlap SKIP: the seed's alert rules for every enabled tenant, off the cycle's path.
- ``audit-retention`` (issue 16 Build 4): :class:`AuditRetentionWorkflow` every
  ``audit.retention_every_s`` (daily), overlap SKIP: each tenant's data past retention is removed.

It also sets the namespace's retention of closed workflow histories to
``audit.temporal_retention_days`` (Temporal's own data class; ``UpdateNamespace``). The local dev
server (``temporal server start-dev``) creates ``default`` with 1 day; a server that refuses the
update (Temporal Cloud: set it in the Cloud console or with ``tcld``) is logged, not fatal.
"""

from __future__ import annotations

from datetime import timedelta

from google.protobuf.duration_pb2 import Duration
from temporalio.api.namespace.v1 import NamespaceConfig
from temporalio.api.workflowservice.v1 import UpdateNamespaceRequest
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
from temporalio.service import RPCError

from core import queues, schedules
from core.logging import get_logger
from core.settings import Settings
from workflows.alert_sweep import AlertSweepWorkflow
from workflows.audit_digest import AuditDigestWorkflow
from workflows.audit_lifecycle import AuditRetentionWorkflow, RetentionRun
from workflows.ids import ALERT_SWEEP, AUDIT_DIGEST, AUDIT_RETENTION

log = get_logger("workers.platform_schedules")


def audit_digest_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(AuditDigestWorkflow.run, id=AUDIT_DIGEST, task_queue=queues.AGENT),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(seconds=settings.audit.digest_every_s))]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(note="signs each tenant's audit chain head (issue 16)"),
    )


def audit_retention_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            AuditRetentionWorkflow.run, RetentionRun(), id=AUDIT_RETENTION, task_queue=queues.AGENT
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(seconds=settings.audit.retention_every_s))]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(note="removes each tenant's data past retention (issue 16)"),
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


async def set_namespace_retention(client: Client, days: int) -> bool:
    """Set the client's namespace retention to ``days``; False when the server refuses."""
    config = NamespaceConfig(workflow_execution_retention_ttl=Duration(seconds=days * 86_400))
    try:
        await client.workflow_service.update_namespace(
            UpdateNamespaceRequest(namespace=client.namespace, config=config)
        )
    except RPCError as e:
        log.warning("namespace retention not set", namespace=client.namespace, error=e.message)
        return False
    return True


async def ensure_platform_schedules(client: Client, settings: Settings) -> list[str]:
    """Create or update every platform schedule, and the namespace retention; returns the ids."""
    await set_namespace_retention(client, settings.audit.temporal_retention_days)
    return [
        await schedules.upsert(client, AUDIT_DIGEST, audit_digest_schedule(settings)),
        await schedules.upsert(client, AUDIT_RETENTION, audit_retention_schedule(settings)),
        await schedules.upsert(client, ALERT_SWEEP, alert_sweep_schedule(settings)),
    ]
