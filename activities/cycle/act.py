"""Act: ``perform_action`` (the non-email runners) and ``record_email_outcome``."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session
from temporalio import activity

from activities.cycle.base import CycleBase
from activities.cycle.runners import RUNNERS
from activities.operations import permanent_db_errors
from schema.db import tenant_transaction
from schema.repositories import actions, engagement, signals
from workflows.cycle.messages import ActionOutcome, EmailOutcomeInput, PerformInput


def perform_in(s: Session, inp: PerformInput) -> ActionOutcome:
    """``perform_action``'s work in the caller's unit of work, committed before it returns
    (``perform_action``, ``guard_and_perform``)."""
    a = inp.action
    runner = RUNNERS.get(a.kind)
    if runner is None:
        out = ActionOutcome(outcome="unsupported", detail={"reason": f"{a.kind.value} runs in the workflow"})
    else:
        out = runner(s, inp)
    actions.record(s, inp.run_id, inp.tenant_id, a, None, out.outcome, {**out.detail})
    if runner is not None:
        signals.mark_acted(s, inp.tenant_id, a.signal_ids)
    actions.deferred_done(s, inp.tenant_id, a)
    s.commit()
    return out


def record_email_in(s: Session, inp: EmailOutcomeInput, now: datetime) -> None:
    """``record_email_outcome``'s writes in the caller's transaction (also the next step's, when
    the workflow carries the outcome: ``GuardInput.pending_email``, ``ReflectInput.pending_email``)."""
    a = inp.action
    if inp.status == "sent" and a.target_type == "contact":
        engagement.touch(s, inp.tenant_id, a.target_id, now, "email", "agent")
    if inp.status == "sent":  # the signals this email answers are acted on (issue 13 Build 8)
        signals.mark_acted(s, inp.tenant_id, a.signal_ids, now)
    actions.record(s, inp.run_id, inp.tenant_id, a, None, inp.status, {"detail": inp.detail})
    actions.deferred_done(s, inp.tenant_id, a)


class ActActivities(CycleBase):
    @activity.defn(name="perform_action")
    def perform_action(self, inp: PerformInput) -> ActionOutcome:
        """Perform an allowed non-email action with its runner (:data:`RUNNERS`): process_order,
        create_task, research, contact_discovery, sandbox_job. Idempotent on the action key. A
        kind without a runner (an email kind sent here by mistake) is ``unsupported``."""
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            return perform_in(s, inp)

    @activity.defn(name="record_email_outcome")
    def record_email_outcome(self, inp: EmailOutcomeInput) -> None:
        """After ``send_email``: a sent email to a contact touches its engagement clock (seed 004
        P0.4) and marks the signals it answers acted (issue 13 Build 8); the run action gets its
        outcome. Quote and deal follow-ups are not the cycle's (their workflows own them)."""
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            record_email_in(s, inp, datetime.now(UTC))
