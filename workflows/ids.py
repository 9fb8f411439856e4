"""Workflow and schedule ids: the one pure module that spells them.

Ids carry business meaning and make starts idempotent: Temporal rejects a second workflow
with the same id (``REJECT_DUPLICATE``), so each format below is also a lock. Every function
is pure (no clock, no I/O), safe to import from workflows, activities and the API.
"""

from __future__ import annotations

__all__ = [
    "compliance_check_workflow_id",
    "compliance_run_workflow_id",
    "compliance_schedule_id",
    "cycle_fanout_workflow_id",
    "cycle_schedule_id",
    "cycle_trigger_workflow_id",
    "cycle_workflow_id",
    "deal_workflow_id",
    "feedback_workflow_id",
    "followup_workflow_id",
    "operation_id_from_workflow_id",
    "operation_workflow_id",
    "quote_workflow_id",
]


# --- autonomous operations ----------------------------------------------------------------------


def operation_workflow_id(tenant_id: str, operation_id: str) -> str:
    """``op-{tenant}-{operation uuid}``: one workflow per operation (seed 000)."""
    return f"op-{tenant_id}-{operation_id}"


def operation_id_from_workflow_id(tenant_id: str, workflow_id: str) -> str:
    """The operation uuid of an ``op-{tenant}-{uuid}`` id (the id unchanged if it is not one)."""
    return workflow_id.removeprefix(f"op-{tenant_id}-")


# --- the hourly cycle ---------------------------------------------------------------------------


def cycle_workflow_id(tenant_id: str, hour: str) -> str:
    """``cycle-{tenant}-{yyyymmddhh}``: one cycle per tenant per hour (issue 4 tenant lock).

    ``hour`` is the UTC hour key (``workflows.cycle.hours.hour_key``)."""
    return f"cycle-{tenant_id}-{hour}"


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
