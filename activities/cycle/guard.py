"""The policy guard: ``guard_action`` (seed 004 P0.3, P0.6)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.cycle.act import perform_in, record_email_in
from activities.cycle.base import CycleBase
from activities.cycle.runners import RUNNERS
from activities.operations import permanent_db_errors
from core.logging import get_logger
from schema.db import tenant_transaction
from schema.repositories import actions, broadcasts, cycle_facts, guard, guard_prefetch, suppression
from schema.repositories.guard_prefetch import GuardPrefetch, Recorded
from workflows.cycle import policy
from workflows.cycle.actions import EMAIL_KINDS, ActionKind, PolicyFacts
from workflows.cycle.hours import next_hour
from workflows.cycle.messages import GuardInput, GuardResult, PerformInput
from workflows.cycle.send_window import next_window_hour

log = get_logger("activities.cycle")


class GuardActivities(CycleBase):
    def _facts(self, s: Session, inp: GuardInput, now: datetime, pre: GuardPrefetch | None) -> PolicyFacts:
        """The facts the rules for this action's kind read (only those are queried; the common
        ones come from ``pre``, when there)."""
        a, t = inp.action, inp.tenant_id
        violations, behind, thin = 0, False, False
        if a.kind == ActionKind.RESEARCH:
            violations = guard.overdue_contacts(s, t)
            behind = any(g.behind for g in cycle_facts.goal_pace(s, t, now))
            thin = cycle_facts.open_deals(s, t)[0] < self._s.agent.pipeline_thin_below
        kind = policy.rate_kind(a.kind)
        cap = self._caps(s, t)[kind] if kind is not None else None
        return PolicyFacts(
            engagement_violations=violations,
            goals_behind_pace=behind,
            pipeline_thin=thin,
            request_text=guard.client_request_text(s, t, a.source_message_id)
            if a.source_message_id
            else None,
            compliance_due=a.target_type == "compliance_check"
            and cycle_facts.compliance_check_due(s, t, a.target_id, now),
            suppression=pre.suppression
            if pre is not None
            else (suppression.reason(s, t, a.to_email) if a.to_email else None),
            rate_used=pre.quota_used
            if pre is not None
            else (guard.quota_used(s, t, kind, inp.hour) if kind is not None else 0),
            rate_cap=cap,
            tenant_domains=self._domains(s, t) if a.kind in EMAIL_KINDS else (),
            send_window=broadcasts.send_window(s, t, a.target_id)
            if a.kind == ActionKind.SEND_BROADCAST_BATCH
            else None,
            hour=inp.hour,
        )

    def _judge(self, s: Session, inp: GuardInput, now: datetime, pre: GuardPrefetch | None) -> GuardResult:
        sw = self._switches(s, inp.tenant_id)
        if not sw.enabled:
            return GuardResult(verdict="halt", rule="kill_switch", reason=sw.reason or "")
        a, t = inp.action, inp.tenant_id
        facts = self._facts(s, inp, now, pre)
        d = policy.evaluate(a, facts)
        result = GuardResult(verdict=d.verdict, rule=d.rule, reason=d.reason)
        kind = policy.rate_kind(a.kind)
        if d.allowed and kind is not None and facts.rate_cap is not None:
            cap = facts.rate_cap  # read by _facts for this kind
            if not guard.reserve(s, t, kind, inp.hour, cap):
                why = f"{kind} limit {cap}/hour reached; deferred to next hour"
                result = GuardResult(verdict="defer", rule="rate_limit", reason=why)
        if result.verdict in ("block", "defer"):
            rule = result.rule or "policy"
            guard.record_violation(
                s, t, inp.run_id, inp.hour, a, rule, result.reason, result.verdict == "block"
            )
        if result.verdict == "defer":
            to = next_hour(inp.hour)
            if result.rule == "send_window" and facts.send_window is not None:
                to = next_window_hour(inp.hour, *facts.send_window)
            guard.defer(s, t, a, to, now)
        return result

    def _guard_in(self, s: Session, inp: GuardInput) -> tuple[GuardResult, bool]:
        """``guard_action``'s work in the caller's unit of work, committed before it returns (the
        verdict is on record before any side effect of the action); and whether the action's
        outcome is on record too (a retry after it was performed)."""
        a, now, t = inp.action, datetime.now(UTC), inp.tenant_id
        if inp.pending_email is not None:  # the previous email's outcome, before this verdict
            record_email_in(s, inp.pending_email, now)
        pre = guard_prefetch.prefetch(s, inp.run_id, a.key, t, a.to_email, policy.rate_kind(a.kind), inp.hour)
        if pre is not None:  # the switches, caps and domains of this unit of work come from it
            s.info[self.FACTS_KEY, t] = pre.switch
            done = pre.recorded
        else:
            row = actions.recorded(s, inp.run_id, a.key)
            done = None if row is None else Recorded(row.verdict, row.detail or {}, row.outcome)
        if done is not None:
            detail = done.detail
            verdict = GuardResult(
                verdict=done.verdict, rule=detail.get("rule"), reason=detail.get("reason", "")
            )  # type: ignore[arg-type]
            return verdict, done.outcome is not None
        result = self._judge(s, inp, now, pre)
        detail = {"rule": result.rule, "reason": result.reason}
        actions.record(s, inp.run_id, inp.tenant_id, a, result.verdict, None, detail)
        s.commit()
        if result.verdict != "allow":
            log.info(
                "action not allowed",
                tenant_id=inp.tenant_id,
                kind=a.kind.value,
                verdict=result.verdict,
                rule=result.rule,
            )
        return result, False

    @activity.defn(name="guard_action")
    def guard_action(self, inp: GuardInput) -> GuardResult:
        """Kill switches, then the policy engine, then the rate-limit reservation, for one action.

        Writes the verdict to ``agent_run_actions`` in the same transaction (a retry returns it),
        blocks to ``agent_policy_violations`` (blocked=true) and deferrals there too (blocked=false)
        plus ``agent_deferred_actions`` for the next hour, or for a broadcast outside its campaign's
        send window the window's next opening hour (seed 004 P0.3, P0.6, P1.2).
        """
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            return self._guard_in(s, inp)[0]

    @activity.defn(name="guard_and_perform")
    def guard_and_perform(self, inp: GuardInput) -> GuardResult:
        """``guard_action``, then, when it allows, ``perform_action``: one local activity for an
        action the agent worker runs itself (a kind with a runner, :data:`RUNNERS`; issue 17).

        Two transactions on one connection: the verdict (and any violation, deferral or rate
        reservation) is committed first, exactly as ``guard_action`` writes it; then the runner
        acts and its outcome is committed, as ``perform_action`` writes it. A retry returns the
        recorded verdict and performs only if no outcome was recorded yet. A kind without a
        runner is refused before the guard (non-retryable): the workflow sends emails itself."""
        if inp.action.kind not in RUNNERS:
            raise ApplicationError(
                f"{inp.action.kind.value} runs in the workflow", type="Unsupported", non_retryable=True
            )
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            result, performed = self._guard_in(s, inp)
            if result.verdict == "allow" and not performed:
                t, a = inp.tenant_id, inp.action
                perform_in(s, PerformInput(run_id=inp.run_id, tenant_id=t, hour=inp.hour, action=a))
        return result
