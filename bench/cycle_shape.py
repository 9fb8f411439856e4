"""The cycle's DB steps in the workflow's order, for bench/cycle_count.py (no Temporal: each
activity method is called in this process, as the agent worker's thread pool would)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from workflows.cycle.actions import AGENT_KINDS, EMAIL_KINDS, ProposedAction
from workflows.cycle.messages import (
    EmailOutcomeInput,
    GuardInput,
    PerformInput,
    ReflectInput,
    StartRunInput,
)
from workflows.cycle.workflow import TenantCycleWorkflow  # noqa: F401  (the shape driven here)
from workflows.email import SendEmailInput, SendEmailResult


def _email(tally: Any, t: str, run_id: str, a: ProposedAction) -> SendEmailResult:
    """``send_email`` on the messaging queue, counted for its payloads only (not sent here)."""
    sent = SendEmailResult(status="sent", message_id=f"<{a.key}@count>", attempts=1)
    inp = SendEmailInput(
        tenant_id=t,
        idempotency_key=a.key,
        to_email=a.to_email or "",
        subject=a.subject or "",
        body=a.body or "",
        run_id=run_id,
    )
    return tally.step("send_email", inp, lambda _: sent, local=False)  # type: ignore[no-any-return]


def drive(cycle: Any, tally: Any, tenant: str, old: bool) -> None:
    """One cycle of ``tenant`` in this hour: the steps ``TenantCycleWorkflow`` runs (``old``: the
    shape before ``cycle-begin-merged``, ``cycle-guard-perform-merged`` and
    ``cycle-email-outcome-carried``)."""
    now = datetime.now(UTC)
    hour = now.strftime("%Y%m%d%H")
    run_id = f"cycle-{tenant}-{hour}"
    start = StartRunInput(run_id=run_id, tenant_id=tenant, hour=hour, trigger="manual")
    planned = executed = blocked = deferred = 0
    if old:
        tally.step("start_run", start, cycle.run.start_run)
        ctx = tally.step("gather_context", start, cycle.context.gather_context)
        plan = ctx.rules_plan or ()
    else:
        begun = tally.step("begin_cycle", start, cycle.begin.begin_cycle)
        plan = begun.plan
    planned = len(plan)
    pending: EmailOutcomeInput | None = None  # carried to the next step (cycle-email-outcome-carried)
    for a in plan:
        g = GuardInput(run_id=run_id, tenant_id=tenant, hour=hour, action=a, pending_email=pending)
        pending = None
        merged = not old and a.kind in AGENT_KINDS
        if merged:
            verdict = tally.step(f"guard_and_perform {a.kind.value}", g, cycle.guard.guard_and_perform)
        else:
            verdict = tally.step(f"guard_action {a.kind.value}", g, cycle.guard.guard_action)
        if verdict.verdict == "halt":
            break
        if verdict.verdict != "allow":
            blocked += verdict.verdict == "block"
            deferred += verdict.verdict == "defer"
            continue
        executed += 1
        if merged:
            continue
        if a.kind in EMAIL_KINDS:
            sent = _email(tally, tenant, run_id, a)
            out = EmailOutcomeInput(run_id=run_id, tenant_id=tenant, action=a, status=sent.status)
            if old:
                tally.step("record_email_outcome", out, cycle.act.record_email_outcome)
            else:
                pending = out
        else:
            p = PerformInput(run_id=run_id, tenant_id=tenant, hour=hour, action=a)
            tally.step(f"perform_action {a.kind.value}", p, cycle.act.perform_action)
    closing = ReflectInput(
        run_id=run_id,
        tenant_id=tenant,
        hour=hour,
        status="completed",
        planner="rules",
        planned=planned,
        executed=executed,
        blocked=blocked,
        deferred=deferred,
        started_at=now,
        pending_email=pending,
    )
    tally.step("react_and_reflect", closing, cycle.reflector.react_and_reflect)
