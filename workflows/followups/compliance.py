"""The quarterly compliance engine as workflows (seed 004 P1.7).

- :class:`ComplianceRunWorkflow` (``ComplianceRun``): what a compliance schedule's Temporal
  Schedule (``compliance-schedule-{tenant}-{schedule}``, calendar spec by frequency) starts. The
  local activity ``generate_compliance_checks`` creates one ``compliance_checks`` row per active
  target entity (idempotent: the id comes from schedule, entity and the scheduled date), then it
  starts one :class:`ComplianceCheckWorkflow` child per check (parent close policy ABANDON, not
  waited for), ``page_size`` at a time, continuing as new after each full page.
- :class:`ComplianceCheckWorkflow` (``ComplianceCheck``, id ``compliance-check-{tenant}-{check}``):
  durable timers through the check's life: ``notify_days_before`` before the due date it is
  ``notified`` and its entity's required fields are validated; a reminder email goes out only if
  some are missing; at the due date it is ``overdue``; ``escalate_after_days`` later it is
  ``escalated`` with an ``agent_tasks`` row (reason ``compliance_due``) for the manager. The
  signals ``complete(by)`` and ``waive(reason)`` end it at any point.

Both carry the search attributes TenantId, Kind and Status and answer a ``status`` query
(:class:`FollowUpState`). Deterministic: no I/O, clock or randomness; activities by name.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import (
    RetryPolicy,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from core import search_attributes as sa
    from workflows.common import FollowUpState, db, email, scheduled_time, tag
    from workflows.followups.compliance_models import (
        CloseInput,
        CloseResult,
        ComplianceCheckInput,
        ComplianceCheckResult,
        ComplianceRunInput,
        ComplianceRunResult,
        EscalateInput,
        EscalateResult,
        GenerateChecksInput,
        GenerateChecksResult,
        MarkInput,
        Outcome,
        ValidateInput,
        ValidateResult,
    )
    from workflows.followups.compliance_rules import check_workflow_id, reminder_key, reminder_text

KIND_RUN = "compliance_run"
KIND_CHECK = "compliance_check"
PATIENT = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    maximum_attempts=0,
)
"""A check lives for weeks: its DB steps retry until the database is back (a rejected write is
non-retryable and still fails at once)."""


@workflow.defn(name="ComplianceRun")
class ComplianceRunWorkflow:
    """One scheduled run of a compliance schedule: generate the checks, start their workflows."""

    def __init__(self) -> None:
        self._state = FollowUpState(kind=KIND_RUN, status="running")

    @workflow.query(name="status")
    def status(self) -> FollowUpState:
        """running, completed or skipped, with the counts so far in ``detail``."""
        return self._state

    @workflow.run
    async def run(self, inp: ComplianceRunInput) -> ComplianceRunResult:
        t = inp.tenant_id
        at = inp.scheduled_at or scheduled_time()
        run_date = at.strftime("%Y%m%d")
        tag(t, KIND_RUN, "running")
        counts = {
            "generated": inp.generated,
            "created": inp.created,
            "started": inp.started,
            "already_started": inp.already_started,
            "pages": inp.pages,
        }
        self._show("running", run_date, counts)
        page: GenerateChecksResult = await db(  # type: ignore[assignment]
            "generate_compliance_checks",
            GenerateChecksInput(
                tenant_id=t,
                schedule_id=inp.schedule_id,
                run_date=run_date,
                at=at,
                after=inp.after,
                limit=inp.page_size,
            ),
            GenerateChecksResult,
        )
        if not page.schedule_found or not page.active:
            reason = "the schedule was deleted" if not page.schedule_found else "the schedule is inactive"
            tag(t, KIND_RUN, "skipped")
            self._show("skipped", run_date, counts)
            return ComplianceRunResult(
                tenant_id=t,
                schedule_id=inp.schedule_id,
                run_date=run_date,
                status="skipped",
                reason=reason,
                **counts,
            )
        counts["generated"] += len(page.checks)
        counts["created"] += page.created
        counts["pages"] += 1
        to_start = [c for c in page.checks if not c.ended]
        outcomes = await asyncio.gather(
            *(
                workflow.start_child_workflow(
                    ComplianceCheckWorkflow.run,
                    ComplianceCheckInput(
                        tenant_id=t,
                        check_id=c.check_id,
                        due_at=c.due_at,
                        notify_days_before=page.notify_days_before,
                        escalate_after_days=page.escalate_after_days,
                        to_email=c.to_email,
                        messaging_queue=inp.messaging_queue,
                        required_fields=page.required_fields,
                    ),
                    id=check_workflow_id(t, c.check_id),
                    task_queue=workflow.info().task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                    search_attributes=TypedSearchAttributes(
                        [
                            SearchAttributePair(sa.TENANT_ID, t),
                            SearchAttributePair(sa.KIND, KIND_CHECK),
                            SearchAttributePair(sa.STATUS, "pending"),
                        ]
                    ),
                )
                for c in to_start
            ),
            return_exceptions=True,
        )
        for o in outcomes:
            if isinstance(o, WorkflowAlreadyStartedError):  # a retried run: the check is running or ran
                counts["already_started"] += 1
            elif isinstance(o, BaseException):
                raise o
            else:
                counts["started"] += 1
        self._show("running", run_date, counts)
        if page.next_after is not None:
            workflow.continue_as_new(
                inp.model_copy(update={"scheduled_at": at, "after": page.next_after, **counts})
            )
        tag(t, KIND_RUN, "completed")
        self._show("completed", run_date, counts)
        return ComplianceRunResult(
            tenant_id=t, schedule_id=inp.schedule_id, run_date=run_date, status="completed", **counts
        )

    def _show(self, status: str, run_date: str, counts: dict[str, int]) -> None:
        self._state = FollowUpState(
            kind=KIND_RUN,
            status=status,
            waiting_for="generate and start the checks" if status == "running" else None,
            detail={"run_date": run_date, **counts},
        )


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

    async def _db(self, name: str, arg: object, result_type: type | None = None) -> object:
        return await db(name, arg, result_type, policy=PATIENT)

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
            v: ValidateResult = await self._db(  # type: ignore[assignment]
                "validate_compliance_check",
                ValidateInput(
                    tenant_id=t, check_id=cid, at=workflow.now(), required_fields=inp.required_fields
                ),
                ValidateResult,
            )
            self._missing = v.missing_fields
            to = v.to_email or inp.to_email
            if v.missing_fields and to and self._end is None:
                await self._remind(inp, v, to)
        if self._end is None and not await self._wait(inp.due_at, "due date"):
            self._show("overdue")
            await self._db(
                "mark_compliance_check",
                MarkInput(tenant_id=t, check_id=cid, at=workflow.now(), status="overdue"),
            )
        if self._end is None and not await self._wait(escalate_at, "escalation"):
            self._show("escalated", next_wake_at=None, waiting_for="manager task")
            await self._db(
                "escalate_compliance_check",
                EscalateInput(
                    tenant_id=t,
                    check_id=cid,
                    at=workflow.now(),
                    due_at=inp.due_at,
                    missing_fields=self._missing,
                ),
                EscalateResult,
            )
            self._escalated = True
        if self._end is None:
            self._show(next_wake_at=None, waiting_for="complete or waive")
            await workflow.wait_condition(lambda: self._end is not None)

        assert self._end is not None
        outcome, by, reason = self._end
        ended_at = workflow.now()
        await self._db(
            "close_compliance_check",
            CloseInput(tenant_id=t, check_id=cid, at=ended_at, outcome=outcome, by=by, reason=reason),
            CloseResult,
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
                inp.messaging_queue, inp.tenant_id, reminder_key(inp.check_id), to, subject, body
            )
        except ActivityError as e:
            workflow.logger.warning("compliance reminder failed: %s", e.cause or e.message)
            return
        if sent.status in ("sent", "dry_run"):
            self._reminders = 1
            await self._db(
                "mark_compliance_check",
                MarkInput(tenant_id=inp.tenant_id, check_id=inp.check_id, at=workflow.now(), reminders=1),
            )


WORKFLOWS: list[type] = [ComplianceRunWorkflow, ComplianceCheckWorkflow]
