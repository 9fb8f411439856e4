"""The non-email action runners, one per :class:`ActionKind` (seed 004 "Act").

Each runner does its action's work in the caller's session and returns the outcome; the caller
records it and commits. Email kinds (:data:`EMAIL_KINDS`) and broadcast batches run in the
workflow (``send_email`` on the messaging queue), so they have no runner here; a unit test proves
every other kind has one.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from schema.repositories import actions, enrichment, orders
from workflows.cycle.actions import ActionKind
from workflows.cycle.messages import ActionOutcome, PerformInput
from workflows.cycle.orders import review_order

Runner = Callable[[Session, PerformInput], ActionOutcome]

IN_WORKFLOW = frozenset({ActionKind.SEND_EMAIL, ActionKind.FOLLOW_UP, ActionKind.SEND_BROADCAST_BATCH})
"""Kinds the workflow performs itself (emails through the outbox, broadcast batches)."""


def process_order(s: Session, inp: PerformInput) -> ActionOutcome:
    """Validate one order (seed 004 P0.5): apply safe auto-fixes, record exceptions."""
    found = orders.order_facts(s, inp.tenant_id, inp.action.target_id)
    if found is None:
        return ActionOutcome(outcome="skipped", detail={"reason": "order not found"})
    facts, entry, credit = found
    review = review_order(facts, entry, credit)
    overridden = orders.overridden_codes(s, inp.tenant_id, facts.id)
    if overridden:  # a person accepted these as they are (work queues, issue 12 Build 4)
        review = review.model_copy(
            update={"issues": tuple(i for i in review.issues if i.code not in overridden)}
        )
    status = orders.save_review(s, inp.tenant_id, facts.id, inp.run_id, review)
    return ActionOutcome(
        outcome=status,
        detail={"issues": [i.code for i in review.issues], "auto_fixes": [f.field for f in review.fixes]},
    )


def create_task(s: Session, inp: PerformInput) -> ActionOutcome:
    """A human task (the guard allowed it: client request, compliance due or safety)."""
    actions.create_task(s, inp.tenant_id, inp.action)
    return ActionOutcome(outcome="task_created", detail={"reason": str(inp.action.task_reason)})


def queue_job(s: Session, inp: PerformInput) -> ActionOutcome:
    """Research, contact discovery or a sandbox job (seed 004 P2.2): a ``queued``
    ``agent_research_jobs`` row of the action's kind, for the job runners to pick up."""
    actions.queue_job(s, inp.tenant_id, inp.action)
    return ActionOutcome(outcome="queued")


def discover_contacts(s: Session, inp: PerformInput) -> ActionOutcome:
    """Contact discovery for an account (seed 004 P1.6, issue 13 Build 7): every reply sender at
    the account's domain already in the mailbox becomes its contact. Replaces the queued
    ``contact_discovery`` job no runner ever took; the inbox also discovers each new sender as
    its mail is routed."""
    found = enrichment.discover_for_account(s, inp.tenant_id, inp.action.target_id)
    return ActionOutcome(outcome="discovered" if found else "none_found", detail={"contacts": found})


RUNNERS: dict[ActionKind, Runner] = {
    ActionKind.PROCESS_ORDER: process_order,
    ActionKind.CREATE_TASK: create_task,
    ActionKind.RESEARCH: queue_job,
    ActionKind.CONTACT_DISCOVERY: discover_contacts,
    ActionKind.SANDBOX_JOB: queue_job,
}
