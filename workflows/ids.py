"""Workflow and schedule ids: the one pure module that spells them.

Ids carry business meaning and make starts idempotent: Temporal rejects a second workflow
with the same id (``REJECT_DUPLICATE``), so each format below is also a lock. Every function
is pure (no clock, no I/O), safe to import from workflows, activities and the API.
"""

from __future__ import annotations

import hashlib
import uuid

from workflows.id_scope import (
    ALERT_SWEEP,
    AUDIT_DIGEST,
    AUDIT_RETENTION,
    RESERVED_TENANTS,
    UnknownWorkflowId,
    binding_id,
    is_reserved_tenant,
    scheduled,
    tenant_of_schedule_id,
    tenant_of_workflow_id,
)

__all__ = [
    "ALERT_SWEEP",
    "AUDIT_DIGEST",
    "AUDIT_RETENTION",
    "RESERVED_TENANTS",
    "UnknownWorkflowId",
    "binding_id",
    "is_reserved_tenant",
    "compliance_check_workflow_id",
    "compliance_run_workflow_id",
    "compliance_schedule_id",
    "cycle_fanout_workflow_id",
    "cycle_schedule_id",
    "cycle_trigger_workflow_id",
    "cycle_workflow_id",
    "deal_workflow_id",
    "document_workflow_id",
    "erasure_workflow_id",
    "export_workflow_id",
    "feedback_workflow_id",
    "followup_workflow_id",
    "import_workflow_id",
    "mailsync_schedule_id",
    "mailsync_workflow_id",
    "health_schedule_id",
    "health_workflow_id",
    "notify_workflow_id",
    "rotation_schedule_id",
    "rotation_workflow_id",
    "operation_id_from_workflow_id",
    "operation_workflow_id",
    "plan_step_operation_id",
    "plan_workflow_id",
    "quote_workflow_id",
    "retention_run_workflow_id",
    "scheduled",
    "tenant_of_schedule_id",
    "tenant_of_workflow_id",
]


# --- autonomous operations ----------------------------------------------------------------------


def operation_workflow_id(tenant_id: str, operation_id: str) -> str:
    """``op-{tenant}-{operation uuid}``: one workflow per operation (seed 000)."""
    return f"op-{tenant_id}-{operation_id}"


def operation_id_from_workflow_id(tenant_id: str, workflow_id: str) -> str:
    """The operation uuid of an ``op-{tenant}-{uuid}`` id (the id unchanged if it is not one)."""
    return workflow_id.removeprefix(f"op-{tenant_id}-")


def plan_workflow_id(tenant_id: str, plan_id: str) -> str:
    """``plan-{tenant}-{plan uuid}``: one parent workflow per multi-step plan (issue 15)."""
    return f"plan-{tenant_id}-{plan_id}"


PLAN_STEP_NAMESPACE = uuid.UUID("0b6f6a43-2f0e-4f53-9b43-6c3f2d1e7a15")


def plan_step_operation_id(plan_id: str, step: int, attempt: int) -> str:
    """The operation uuid of attempt ``attempt`` (1-based) of plan step ``step`` (1-based): a
    uuid5 of both, so its child workflow is ``op-{tenant}-{that uuid}`` and the operation APIs
    see it like any other; a retried step is a new operation with its own audit trail."""
    return str(uuid.uuid5(PLAN_STEP_NAMESPACE, f"{plan_id}/{step}/{attempt}"))


# --- the hourly cycle ---------------------------------------------------------------------------


def cycle_workflow_id(tenant_id: str, hour: str) -> str:
    """``cycle-{tenant}-{yyyymmddhh}``: one cycle per tenant per hour (issue 4 tenant lock).

    ``hour`` is the UTC hour key (``workflows.cycle.hours.hour_key``)."""
    return f"cycle-{tenant_id}-{hour}"


def retention_run_workflow_id(run_id: str) -> str:
    """``audit-retention-{32 hex}``: an operator's own retention run (a dry run, say), platform scope."""
    return f"{AUDIT_RETENTION}-{run_id}"


def export_workflow_id(tenant_id: str, export_id: str) -> str:
    """``export-{tenant}-{export row id}``: one audit export (issue 16 Build 2)."""
    return f"export-{tenant_id}-{export_id}"


def erasure_workflow_id(erasure_id: str) -> str:
    """``audit-erasure-{erasure row id}``: platform scope, because erasing a whole tenant deletes
    the tenant's payload keyring, which must not seal the erasure's own history (issue 16 Build 3)."""
    return f"audit-erasure-{erasure_id}"


def cycle_fanout_workflow_id(hour: str) -> str:
    """``cycle-fanout-{yyyymmddhh}``: the operator's run-every-tenant fan-out, once per hour."""
    return f"cycle-fanout-{hour}"


def cycle_schedule_id(tenant_id: str) -> str:
    """``cycle-schedule-{tenant}``: the tenant's hourly Temporal Schedule."""
    return f"cycle-schedule-{tenant_id}"


def cycle_trigger_workflow_id(tenant_id: str) -> str:
    """``cycle-trigger-{tenant}``: the workflow the hourly schedule starts (Temporal appends the
    scheduled time to it)."""
    return f"cycle-trigger-{tenant_id}"


# --- follow-ups ---------------------------------------------------------------------------------


def followup_workflow_id(kind: str, tenant_id: str, entity_id: str) -> str:
    """``{kind}-{tenant}-{entity}`` for ``kind`` in feedback, quote, deal: one follow-up
    workflow per order, quote or deal."""
    return f"{kind}-{tenant_id}-{entity_id}"


def feedback_workflow_id(tenant_id: str, order_id: str) -> str:
    """``feedback-{tenant}-{order}``: the order's feedback request."""
    return followup_workflow_id("feedback", tenant_id, order_id)


def quote_workflow_id(tenant_id: str, quote_id: str) -> str:
    """``quote-{tenant}-{quote}``: the quote's follow-ups."""
    return followup_workflow_id("quote", tenant_id, quote_id)


def deal_workflow_id(tenant_id: str, deal_id: str) -> str:
    """``deal-{tenant}-{deal}``: the deal's stage clock."""
    return followup_workflow_id("deal", tenant_id, deal_id)


# --- documents ----------------------------------------------------------------------------------


def document_workflow_id(tenant_id: str, document_id: str) -> str:
    """``doc-{tenant}-{document}``: one extraction workflow per document (issue 14)."""
    return f"doc-{tenant_id}-{document_id}"


# --- compliance ---------------------------------------------------------------------------------


def compliance_schedule_id(tenant_id: str, compliance_schedule_id: str) -> str:
    """``compliance-schedule-{tenant}-{schedule}``: the Temporal Schedule of one compliance schedule row."""
    return f"compliance-schedule-{tenant_id}-{compliance_schedule_id}"


def compliance_run_workflow_id(tenant_id: str, compliance_schedule_id: str) -> str:
    """``compliance-run-{tenant}-{schedule}``: the run a compliance schedule starts."""
    return f"compliance-run-{tenant_id}-{compliance_schedule_id}"


def compliance_check_workflow_id(tenant_id: str, check_id: str) -> str:
    """``compliance-check-{tenant}-{check}``; ``check_id`` is the 32-hex digest of
    (schedule, entity, run date) (``workflows.followups.compliance_rules.check_id``)."""
    return f"compliance-check-{tenant_id}-{check_id}"


def import_workflow_id(tenant_id: str, import_id: str) -> str:
    """``import-{tenant}-{import}``: one CSV import (issue 12, Build 2); ``import_id`` is a row id."""
    return f"import-{tenant_id}-{import_id}"


def mailsync_workflow_id(tenant_id: str, connection_id: str) -> str:
    """``mailsync-{tenant}-{connection}``: the mailbox's sync (issue 13); its schedule appends the
    scheduled time, so two runs of one mailbox never overlap (overlap SKIP as well)."""
    return f"mailsync-{tenant_id}-{connection_id}"


def mailsync_schedule_id(tenant_id: str, connection_id: str) -> str:
    """``mailsync-schedule-{tenant}-{connection}``: the mailbox's 5-minute Temporal Schedule."""
    return f"mailsync-schedule-{tenant_id}-{connection_id}"


# --- integrations and notifications (issue 15) ---------------------------------------------------


def notify_workflow_id(tenant_id: str, key: str) -> str:
    """``notify-{tenant}-{sha256(key)[:32]}``: one ``Notify`` per event key (exactly once)."""
    return f"notify-{tenant_id}-{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def health_workflow_id(tenant_id: str, integration_id: str) -> str:
    """``health-{tenant}-{integration}``: the integration's health check (its daily schedule
    appends the scheduled time); ``integration_id`` is the ``integration_status`` row id (32 hex)."""
    return f"health-{tenant_id}-{integration_id}"


def health_schedule_id(tenant_id: str, integration_id: str) -> str:
    """``health-schedule-{tenant}-{integration}``: the daily health-check Temporal Schedule."""
    return f"health-schedule-{tenant_id}-{integration_id}"


def rotation_workflow_id(tenant_id: str, integration_id: str) -> str:
    """``rotate-{tenant}-{integration}``: a credential rotation (the schedule appends the time; a
    health check's self-healing starts it without)."""
    return f"rotate-{tenant_id}-{integration_id}"


def rotation_schedule_id(tenant_id: str, integration_id: str) -> str:
    """``rotate-schedule-{tenant}-{integration}``: the rotation Temporal Schedule (every
    ``rotation_days``)."""
    return f"rotate-schedule-{tenant_id}-{integration_id}"
