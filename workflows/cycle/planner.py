"""The deterministic rule-based planner: the safe default when no AI planner runs (seed 004 P0,
P1.2). Quote and deal follow-ups (P1.4, P1.5) are not planned here: their follow-up workflows
send them, and the cycle starts those workflows (:mod:`workflows.cycle.handoff`, with inputs
from :mod:`workflows.followups.inputs`).

Pure: the same :class:`CycleContext` always gives the same actions, in the same order, with the
same idempotency keys. It does not call the policy engine, but it never proposes what the policy
would block: human tasks only for explicit client requests and due compliance checks, research
only once the engagement list is exhausted and goals are behind or the pipeline is thin, emails
only with a recipient, and no text matching a sensitive pattern.
"""

from __future__ import annotations

from collections.abc import Iterable

from workflows.cycle import engagement
from workflows.cycle.actions import ActionKind, ProposedAction, TaskReason
from workflows.cycle.context import ClientRequest, ComplianceItem, CycleContext, TouchCandidate
from workflows.cycle.policy import is_explicit_request, sensitive_group
from workflows.cycle.signal_actions import signal_actions


def _safe(*candidates: str | None) -> str | None:
    """The first candidate text that is non-empty and matches no sensitive pattern."""
    for text in candidates:
        if text and text.strip() and sensitive_group(text) is None:
            return text.strip()
    return None


def _has_email(email: str | None) -> bool:
    return bool(email and email.strip())


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _greeting(name: str) -> str:
    return f"Hi {_safe(' '.join(name.split())) or 'there'},"


def _order(ctx: CycleContext, order_id: str) -> ProposedAction:
    return ProposedAction(
        key=f"{ctx.tenant_id}:order:{order_id}",
        kind=ActionKind.PROCESS_ORDER,
        target_type="order",
        target_id=order_id,
        reason="new order: check pricing, credit and requirements",
        priority=90,
    )


def _client_request(ctx: CycleContext, req: ClientRequest) -> ProposedAction:
    title = _safe(req.subject, f"Client request from {req.from_email}") or "Client request"
    return ProposedAction(
        key=f"{ctx.tenant_id}:client-request:{req.message_id}",
        kind=ActionKind.CREATE_TASK,
        target_type="contact" if req.contact_id else "tenant",
        target_id=req.contact_id or ctx.tenant_id,
        title=_clip(title),
        reason="the client explicitly asked for a human action",
        priority=85,
        task_reason=TaskReason.CLIENT_REQUEST,
        source_message_id=req.message_id,
    )


def _compliance(ctx: CycleContext, item: ComplianceItem) -> ProposedAction:
    due = item.due_at.date().isoformat()
    base = f"Compliance due {due}: {item.entity_type} {item.entity_id}"
    missing = f"{base} (missing: {', '.join(item.missing_fields)})" if item.missing_fields else None
    title = _safe(missing, base) or f"Compliance check {item.id} due {due}"
    return ProposedAction(
        key=f"{ctx.tenant_id}:compliance-task:{item.id}",
        kind=ActionKind.CREATE_TASK,
        target_type="compliance_check",
        target_id=item.id,
        title=_clip(title),
        reason=f"compliance check due {due}",
        priority=80,
        task_reason=TaskReason.COMPLIANCE_DUE,
    )


def _touch(ctx: CycleContext, c: TouchCandidate) -> ProposedAction:
    days = max(c.days_overdue, 0)
    body = (
        f"{_greeting(c.name)}\n\n"
        "It has been a little while since we last spoke, so I wanted to check in. "
        "Is there anything we can help with at the moment, or anything coming up we should plan for?\n\n"
        "Best regards"
    )
    return ProposedAction(
        key=f"{ctx.tenant_id}:{ctx.hour}:touch:{c.contact_id}",
        kind=ActionKind.SEND_EMAIL,
        target_type="contact",
        target_id=c.contact_id,
        to_email=c.email,
        subject="Checking in",
        body=body,
        reason="engagement touch: never touched"
        if c.never_touched
        else f"engagement touch: {days} days overdue",
        priority=60 + min(days, 30) // 3,
    )


def _rest(ctx: CycleContext, max_touches: int, skip_contacts: set[str]) -> Iterable[ProposedAction]:
    """The fresh (non-deferred) proposals, in rule order; ``skip_contacts`` already have a touch."""
    t = ctx.tenant_id
    for order_id in ctx.new_orders:
        yield _order(ctx, order_id)
    for req in ctx.client_requests:
        if is_explicit_request(req.excerpt):
            yield _client_request(ctx, req)
    for item in ctx.compliance_due:
        yield _compliance(ctx, item)
    answered = set(skip_contacts)
    for a in signal_actions(ctx):  # an answer to a signal is that contact's touch too
        if a.target_id not in skip_contacts:
            answered.add(a.target_id)
            yield a
    touchable = (c for c in ctx.touch_candidates if _has_email(c.email) and c.contact_id not in answered)
    for c in engagement.select_next(touchable, max_touches):
        yield _touch(ctx, c)
    for b in ctx.broadcasts_due:
        if b.pending > 0:
            yield ProposedAction(
                key=f"{t}:{ctx.hour}:broadcast:{b.id}",
                kind=ActionKind.SEND_BROADCAST_BATCH,
                target_type="campaign",
                target_id=b.id,
                reason=_safe(f"campaign {b.name!r}: {b.pending} pending") or f"campaign: {b.pending} pending",
                priority=40,
            )
    for account_id in ctx.accounts_without_contacts:
        yield ProposedAction(
            key=f"{t}:{ctx.hour}:discovery:{account_id}",
            kind=ActionKind.CONTACT_DISCOVERY,
            target_type="account",
            target_id=account_id,
            reason="account has no contacts",
            priority=30,
        )
    if ctx.engagement_overdue == 0 and (ctx.goals_behind_pace or ctx.pipeline_thin):
        why = " and ".join(
            w
            for w, on in (("goals behind pace", ctx.goals_behind_pace), ("pipeline thin", ctx.pipeline_thin))
            if on
        )
        yield ProposedAction(
            key=f"{t}:{ctx.hour}:research",
            kind=ActionKind.RESEARCH,
            target_type="tenant",
            target_id=t,
            reason=f"engagement list exhausted; {why}",
            priority=20,
        )


def _sorted(actions: Iterable[ProposedAction]) -> list[ProposedAction]:
    return sorted(actions, key=lambda a: (-a.priority, a.key))


def plan(ctx: CycleContext, *, max_touches: int = 10) -> list[ProposedAction]:
    """The cycle's proposed actions (seed 004 P0 "Act"; P0.4 touches, P0.5 orders, P1.2 broadcasts;
    guardrails 1 and 2). Stalled deals and quotes due in ``ctx`` are never proposed: their
    follow-up workflows own those emails.

    First every ``ctx.deferred`` action, unchanged but ``origin="deferred"``; then, in order of
    priority desc then key: process_order per new order (90); create_task per explicit client
    request (85) and per compliance check due (80); an answer per contact with unacted opportunity
    signals (70 + strength x 10, :mod:`workflows.cycle.signal_actions`); an engagement touch per
    selected overdue contact with an email (60 + min(days_overdue, 30) // 3); a broadcast batch
    per due campaign with pending messages (40); contact discovery per account without contacts
    (30); research once when no contact is overdue and goals are behind pace or the pipeline is
    thin (20).

    At most ``max_touches`` engagement touches, counting deferred ones. A target (kind, target type,
    target id) or key already covered by a deferred action is not proposed again, and each key
    appears once. Keys are idempotency keys, scoped to ``ctx.hour`` for hourly actions and unscoped
    for orders, compliance tasks and client requests (once ever). Raises ValueError for a negative
    ``max_touches``.
    """
    if max_touches < 0:
        raise ValueError("max_touches must be >= 0")
    deferred = [a.model_copy(update={"origin": "deferred"}) for a in ctx.deferred]
    deferred_touches = {
        a.target_id for a in deferred if a.kind is ActionKind.SEND_EMAIL and a.target_type == "contact"
    }
    seen_keys = {a.key for a in deferred}
    covered = {(a.kind, a.target_type, a.target_id) for a in deferred}
    fresh: list[ProposedAction] = []
    for a in _rest(ctx, max(max_touches - len(deferred_touches), 0), deferred_touches):
        if a.key in seen_keys or (a.kind, a.target_type, a.target_id) in covered:
            continue
        seen_keys.add(a.key)
        fresh.append(a)
    unique_deferred = list({a.key: a for a in deferred}.values())
    return _sorted(unique_deferred) + _sorted(fresh)
