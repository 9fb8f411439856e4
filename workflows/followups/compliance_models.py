"""Typed messages of the compliance engine (seed 004 P1.7): the scheduled run, the check's
lifecycle and their DB steps (local activities on the agent worker).

Every step input carries ``at``, the workflow's ``workflow.now()`` when it ran, so rows record
workflow time (and tests can assert when a step happened). Nothing here holds a secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from workflows.models import Frozen

CheckStatus = Literal["pending", "notified", "overdue", "escalated", "completed", "waived"]
Outcome = Literal["completed", "waived"]


# --- the scheduled run ---------------------------------------------------------------------


class ComplianceRunInput(Frozen):
    """What a compliance schedule's action starts (``ComplianceRun``); later fields are set by the
    workflow when it continues as new after a page of checks."""

    tenant_id: str
    schedule_id: str
    messaging_queue: str = "messaging"
    """The task queue of ``send_email`` for the checks' reminders."""
    page_size: int = Field(default=200, ge=1, le=1000)
    """Checks generated and started per run before it continues as new (bounded history)."""
    scheduled_at: datetime | None = None
    """The run's scheduled time; None on the first run (read from the schedule, else now)."""
    after: str = ""
    """Entity id cursor: the next page starts after it."""
    generated: int = 0
    created: int = 0
    started: int = 0
    already_started: int = 0
    pages: int = 0


class GenerateChecksInput(Frozen):
    tenant_id: str
    schedule_id: str
    run_date: str
    """``YYYYMMDD`` of the scheduled time: part of each check's id."""
    at: datetime
    """The scheduled time; a check is due ``due_in_days`` after it."""
    after: str = ""
    limit: int = 200


class GeneratedCheck(Frozen):
    check_id: str
    entity_type: str
    entity_id: str
    due_at: datetime
    to_email: str | None = None
    ended: bool = False
    """The check exists already and has ended (completed or waived): no workflow is started."""


class GenerateChecksResult(Frozen):
    schedule_found: bool = True
    active: bool = True
    notify_days_before: int = 14
    escalate_after_days: int = 7
    required_fields: tuple[str, ...] = ()
    checks: tuple[GeneratedCheck, ...] = ()
    created: int = 0
    """Rows newly inserted (the rest existed: a retried or re-triggered run)."""
    next_after: str | None = None
    """The cursor of the next page, None when this was the last."""


class ComplianceRunResult(Frozen):
    tenant_id: str
    schedule_id: str
    run_date: str
    status: Literal["completed", "skipped"]
    reason: str | None = None
    generated: int = 0
    created: int = 0
    started: int = 0
    already_started: int = 0
    pages: int = 0


# --- one check -----------------------------------------------------------------------------


class ComplianceCheckInput(Frozen):
    tenant_id: str
    check_id: str
    due_at: datetime
    notify_days_before: int = Field(default=14, ge=0)
    escalate_after_days: int = Field(default=7, ge=0)
    to_email: str | None = None
    """Where the reminder goes (the contact's, or the client's first contact's email)."""
    messaging_queue: str = "messaging"
    required_fields: tuple[str, ...] = ()
    """The schedule's required fields when the check was generated (used if it is deleted)."""


class ValidateInput(Frozen):
    tenant_id: str
    check_id: str
    at: datetime
    required_fields: tuple[str, ...] = ()


class ValidateResult(Frozen):
    """Recorded on the row (status ``notified``, ``missing_fields``)."""

    missing_fields: tuple[str, ...] = ()
    entity_name: str = ""
    entity_type: str = ""
    to_email: str | None = None
    """The entity's current email (it may have changed since the check was generated)."""
    found: bool = True


class MarkInput(Frozen):
    """A status change without other effects (``overdue``) or the reminder count after a send."""

    tenant_id: str
    check_id: str
    at: datetime
    status: CheckStatus | None = None
    reminders: int | None = None
    """The absolute count (idempotent on retry)."""


class EscalateInput(Frozen):
    tenant_id: str
    check_id: str
    at: datetime
    due_at: datetime
    missing_fields: tuple[str, ...] = ()


class EscalateResult(Frozen):
    task_id: str
    action_key: str
    created: bool
    """False when the task existed (a retry)."""


class CloseInput(Frozen):
    tenant_id: str
    check_id: str
    at: datetime
    outcome: Outcome
    by: str | None = None
    reason: str | None = None


class CloseResult(Frozen):
    status: str
    changed: bool
    """False when the row had ended already (a retry)."""


class ComplianceCheckResult(Frozen):
    check_id: str
    status: Outcome
    by: str | None = None
    reason: str | None = None
    missing_fields: tuple[str, ...] = ()
    reminders: int = 0
    escalated: bool = False
    ended_at: datetime
