"""ComplianceCheckWorkflow (``ComplianceCheck``, id ``compliance-check-{tenant}-{check}``), seed 004 P1.7.

Durable timers through the check's life: ``notify_days_before`` before the due date it is
``notified`` and its entity's required fields are validated; a reminder email goes out only if
some are missing; at the due date it is ``overdue``; ``escalate_after_days`` later it is
``escalated`` with an ``agent_tasks`` row (reason ``compliance_due``) for the manager. The
signals ``complete(by)`` and ``waive(reason)`` end it at any point. It carries the search
attributes TenantId, Kind and Status and answers a ``status`` query (:class:`FollowUpState`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.common import FollowUpState, email, tag
    from workflows.followups import compliance_activities as acts
    from workflows.followups.cite import compliance_cite
    from workflows.followups.compliance_models import (
        CloseInput,
        ComplianceCheckInput,
        ComplianceCheckResult,
        EscalateInput,
        MarkInput,
        Outcome,
        ValidateInput,
        ValidateResult,
    )
    from workflows.followups.compliance_rules import KIND_CHECK, reminder_key, reminder_text


@workflow.defn(name="ComplianceCheck")
class ComplianceCheckWorkflow:
    """One check: pending → notified → overdue → escalated on durable timers; ends by the
    ``complete`` or ``waive`` signal."""

    def __init__(self) -> None:
        self._inp: ComplianceCheckInput | None = None
        self._state = FollowUpState(kind=KIND_CHECK, status="pending")
        self._end: tuple[Outcome, str | None, str | None] | None = None
        """(outcome, by, reason) once a signal ended the check."""
        self._missing: tuple[str, ...] = ()
        self._reminders = 0
        self._escalated = False

    # --- signals and query ---------------------------------------------------------------------

    @workflow.signal(name="complete")
    def complete(self, by: str) -> None:
        """The check is done (``by``: who completed it). Ignored once the check has ended."""
        if self._end is None:
            self._end = ("completed", (by or "").strip() or None, None)

    @workflow.signal(name="waive")
    def waive(self, reason: str) -> None:
        """Waive the check; a blank reason is ignored (the API refuses it first)."""
        if self._end is not None:
            return
        if not (reason or "").strip():
            workflow.logger.warning("waive signal without a reason ignored")
            return
        self._end = ("waived", None, reason.strip())

    @workflow.query(name="status")
    def status(self) -> FollowUpState:
        """The check's status, when its current timer fires and what it waits for."""
        return self._state

    # --- helpers -------------------------------------------------------------------------------

    def _show(self, status: str | None = None, **changes: object) -> None:
        assert self._inp is not None
        before = self._state.status
        detail = {
            "check_id": self._inp.check_id,
            "due_at": self._inp.due_at.isoformat(),
            "missing_fields": ",".join(self._missing),
            "reminders": self._reminders,
            "escalated": self._escalated,
        }
        self._state = self._state.model_copy(update={"status": status or before, "detail": detail, **changes})
        if status is not None and status != before:
            tag(self._inp.tenant_id, KIND_CHECK, status)

    async def _wait(self, until: datetime, waiting_for: str) -> bool:
        """A durable timer until ``until``, cut short by a signal that ends the check. True when
        the check has ended."""
        self._show(next_wake_at=until, waiting_for=f"{waiting_for}, or complete/waive")
        remaining = until - workflow.now()
        if self._end is None and remaining > timedelta(0):
            try:
                await workflow.wait_condition(lambda: self._end is not None, timeout=remaining)
            except TimeoutError:
                pass
        return self._end is not None

    # --- the check -----------------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: ComplianceCheckInput) -> ComplianceCheckResult:
        self._inp = inp
        t, cid = inp.tenant_id, inp.check_id
        tag(t, KIND_CHECK, "pending")
        self._show("pending")
        notify_at = inp.due_at - timedelta(days=inp.notify_days_before)
        escalate_at = inp.due_at + timedelta(days=inp.escalate_after_days)

        if not await self._wait(notify_at, "notification window"):
            self._show("notified", next_wake_at=None, waiting_for="field validation")
            v = await acts.validate_compliance_check(
                ValidateInput(
                    tenant_id=t, check_id=cid, at=workflow.now(), required_fields=inp.required_fields
                )
            )
            self._missing = v.missing_fields
            to = v.to_email or inp.to_email
            if v.missing_fields and to and self._end is None:
                await self._remind(inp, v, to)
        if self._end is None and not await self._wait(inp.due_at, "due date"):
            self._show("overdue")
            await acts.mark_compliance_check(
                MarkInput(tenant_id=t, check_id=cid, at=workflow.now(), status="overdue")
            )
        if self._end is None and not await self._wait(escalate_at, "escalation"):
            self._show("escalated", next_wake_at=None, waiting_for="manager task")
            await acts.escalate_compliance_check(
                EscalateInput(
                    tenant_id=t,
                    check_id=cid,
                    at=workflow.now(),
                    due_at=inp.due_at,
                    missing_fields=self._missing,
                )
            )
            self._escalated = True
        if self._end is None:
            self._show(next_wake_at=None, waiting_for="complete or waive")
            await workflow.wait_condition(lambda: self._end is not None)

        assert self._end is not None
        outcome, by, reason = self._end
        ended_at = workflow.now()
        await acts.close_compliance_check(
            CloseInput(tenant_id=t, check_id=cid, at=ended_at, outcome=outcome, by=by, reason=reason)
        )
        self._show(outcome, next_wake_at=None, waiting_for=None)
        return ComplianceCheckResult(
            check_id=cid,
            status=outcome,
            by=by,
            reason=reason,
            missing_fields=self._missing,
            reminders=self._reminders,
            escalated=self._escalated,
            ended_at=ended_at,
        )

    async def _remind(self, inp: ComplianceCheckInput, v: ValidateResult, to: str) -> None:
        """The one reminder (outbox key ``compliance:{check}:reminder``); a send that fails for
        good is noted in the status, not fatal to the check."""
        subject, body = reminder_text(v.entity_name, v.missing_fields, inp.due_at)
        self._show(waiting_for="reminder email")
        try:
            sent = await email(
                inp.messaging_queue,
                inp.tenant_id,
                reminder_key(inp.check_id),
                to,
                subject,
                body,
                cite=compliance_cite(v.missing_fields),
            )
        except ActivityError as e:
            workflow.logger.warning("compliance reminder failed: %s", e.cause or e.message)
            return
        if sent.status in ("sent", "dry_run"):
            self._reminders = 1
            await acts.mark_compliance_check(
                MarkInput(tenant_id=inp.tenant_id, check_id=inp.check_id, at=workflow.now(), reminders=1)
            )
