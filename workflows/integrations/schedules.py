"""Temporal Schedule specs of an integration (issue 15 Builds 4, 5): pure builders, used by the
agent's ``register_integration`` and the API (rotation period changes). Overlap SKIP.

- health: ``health-schedule-{tenant}-{integration}`` every ``integrations.health_every_s``
  (daily) with up to ``health_jitter_s`` of jitter, starting ``HealthCheck``;
- rotation: ``rotate-schedule-{tenant}-{integration}`` every ``rotation_days`` days (90 by
  default, per tenant), starting ``CredentialRotation`` (reason ``scheduled``).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from core import queues
from core import search_attributes as sa
from core.integration_settings import IntegrationSettings
from workflows import ids
from workflows.integrations.health import HealthCheckWorkflow
from workflows.integrations.messages import HealthCheckInput, IntegrationRef, RotationInput, RotationTuning
from workflows.integrations.rotation import CredentialRotationWorkflow
from workflows.operation.messages import OperationTuning


def _attrs(tenant_id: str, kind: str) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [SearchAttributePair(sa.TENANT_ID, tenant_id), SearchAttributePair(sa.KIND, kind)]
    )


def rotation_tuning(cfg: IntegrationSettings) -> RotationTuning:
    return RotationTuning(revoke_attempts=cfg.revoke_attempts, revoke_retry_s=cfg.revoke_retry_s)


def health_schedule(ref: IntegrationRef, cfg: IntegrationSettings, tuning: OperationTuning) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            HealthCheckWorkflow.run,
            HealthCheckInput(ref=ref, tuning=tuning, rotation=rotation_tuning(cfg)),
            id=ids.health_workflow_id(ref.tenant_id, ref.integration_id),
            task_queue=queues.AGENT,
            typed_search_attributes=_attrs(ref.tenant_id, "health"),
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(seconds=cfg.health_every_s))],
            jitter=timedelta(seconds=cfg.health_jitter_s),
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


def rotation_schedule(
    ref: IntegrationRef, cfg: IntegrationSettings, tuning: OperationTuning, days: int
) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            CredentialRotationWorkflow.run,
            RotationInput(ref=ref, reason="scheduled", tuning=tuning, rotation=rotation_tuning(cfg)),
            id=ids.rotation_workflow_id(ref.tenant_id, ref.integration_id),
            task_queue=queues.AGENT,
            typed_search_attributes=_attrs(ref.tenant_id, "rotation"),
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(seconds=days * cfg.rotation_day_s))]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
