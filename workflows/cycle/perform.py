"""Act, one action at a time: the guard, then the action (seed 004 "Act", P0.3).

An action the agent worker performs in a DB step (:data:`AGENT_KINDS`: orders, tasks, research,
contact discovery, sandbox jobs) is guarded and performed by ONE local activity,
``guard_and_perform`` (issue 17): the verdict is committed first, then the runner acts. Emails and
broadcast batches still pass ``guard_action`` alone, then go through the outbox (``send_email`` on
the messaging queue); an email's outcome is recorded by the cycle's next DB step (the next guard,
or the closing step), in its transaction and before its own work. The older shapes
(``guard_action`` + ``perform_action``, ``record_email_outcome``; patches
``cycle-guard-perform-merged``, ``cycle-email-outcome-carried``) are retired
(tests/replay/histories/retired/).

Deterministic: call only from workflow code.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.common import email
    from workflows.cycle import activities as act
    from workflows.cycle.actions import AGENT_KINDS, EMAIL_KINDS, ActionKind, ProposedAction
    from workflows.cycle.messages import (
        BroadcastRecordInput,
        BroadcastResult,
        CycleInput,
        EmailOutcomeInput,
        GuardInput,
        GuardResult,
        PerformInput,
    )
    from workflows.email import SendEmailResult


async def guard(
    inp: CycleInput, run_id: str, a: ProposedAction, pending: EmailOutcomeInput | None = None
) -> tuple[GuardResult, bool]:
    """The guard's verdict on ``a``, and whether ``a`` was performed in the same step (allowed,
    an :data:`AGENT_KINDS` kind). ``pending``: the previous email's
    outcome, recorded by the guard's step first."""
    g = GuardInput(run_id=run_id, tenant_id=inp.tenant_id, hour=inp.hour, action=a, pending_email=pending)
    if a.kind in AGENT_KINDS:
        verdict = await act.guard_and_perform(g)
        return verdict, verdict.verdict == "allow"
    return await act.guard_action(g), False


async def _send(inp: CycleInput, run_id: str, key: str, to: str, subject: str, body: str) -> SendEmailResult:
    q, t = inp.messaging_queue, inp.tenant_id
    return await email(q, t, key, to, subject, body, timeout_s=inp.action_timeout_s, run_id=run_id)


async def perform(inp: CycleInput, run_id: str, a: ProposedAction) -> EmailOutcomeInput | None:
    """Perform the allowed action ``a``: an email (sent; its outcome returned for the next DB step
    to record), a broadcast batch (prepared, sent, recorded) or any other kind ``perform_action``."""
    t = inp.tenant_id
    if a.kind in EMAIL_KINDS:
        sent = await _send(inp, run_id, a.key, a.to_email or "", a.subject or "", a.body or "")
        return EmailOutcomeInput(run_id=run_id, tenant_id=t, action=a, status=sent.status, detail=sent.detail)
    elif a.kind == ActionKind.SEND_BROADCAST_BATCH:
        p = PerformInput(run_id=run_id, tenant_id=t, hour=inp.hour, action=a)
        batch = await act.prepare_broadcast(p)
        outcomes = await asyncio.gather(
            *(_send(inp, run_id, s.key, s.to_email, *batch.message_for(s)) for s in batch.sends)
        )
        results = tuple(
            BroadcastResult(contact_id=s.contact_id, key=s.key, status=r.status)
            for s, r in zip(batch.sends, outcomes, strict=True)
        )
        await act.record_broadcast(
            BroadcastRecordInput(
                run_id=run_id,
                tenant_id=t,
                action=a,
                campaign_id=batch.campaign_id,
                results=results,
                deferred=batch.deferred,
            )
        )
    else:
        await act.perform_action(PerformInput(run_id=run_id, tenant_id=t, hour=inp.hour, action=a))
    return None
