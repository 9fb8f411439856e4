"""Plan's context: ``gather_context`` (seed 004 P0 "Plan")."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session
from temporalio import activity

from activities.cycle.base import CycleBase
from activities.cycle.passages import planner_passages
from activities.operations import permanent_db_errors
from activities.planner import rules_note, rules_only, rules_plan
from schema.db import tenant_transaction
from schema.repositories import (
    campaign_audience,
    cycle_facts,
    engagement,
    follow_up_owners,
    signals,
)
from schema.repositories import deals as deals_repo
from schema.repositories import quotes as quotes_repo
from schema.repositories.cycle_reads import plan_reads
from workflows.cycle.context import CycleContext
from workflows.cycle.messages import StartRunInput
from workflows.followups.inputs import deal_input, quote_input, quote_view_url


class ContextActivities(CycleBase):
    @activity.defn(name="gather_context")
    def gather_context(self, inp: StartRunInput) -> CycleContext:
        """Plan's context for one tenant, each list bounded by ``agent.context_limit``.

        Refreshes the 21-day engagement clocks, then reads goals (pro-rata pace), new orders,
        open order exceptions, overdue contacts, the pipeline, compliance checks in their
        ``notify_days_before`` window with no workflow of their own, recent client messages, due
        broadcasts (a due campaign with an audience gets its pending contacts first, seed 004
        P1.2), accounts with no contact and actions deferred to this hour. Sent quotes and open
        deals with no follow-up workflow are claimed for this run and returned as the inputs of
        the ``Quote`` and ``Deal`` workflows the cycle starts (they own those emails; a quote's
        carry its tracked link, a token minted here if it had none). Opportunity signals not yet
        acted on (``signals``, issue 13 Build 8). Last, a few passages of the
        tenant's documents on what this hour is about (``passages``, issue 14 Build 6), for the AI
        planner. When the rule-based planner is the one that runs, its plan instead of passages
        (``rules_plan``, issue 17 Build 6).
        """
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            return self._context_in(s, inp)

    def _context_in(self, s: Session, inp: StartRunInput) -> CycleContext:
        """``gather_context``'s work in the caller's unit of work (``gather_context``,
        ``begin_cycle``), which commits it: the claimed quotes and deals (and whatever the caller
        wrote before) commit with the reads, in one transaction (no commit mid-step and no second
        scope ``set_config``; the reads see this transaction's own writes either way)."""
        limit, now, t = self._s.agent.context_limit, datetime.now(UTC), inp.tenant_id
        f = self._s.followups
        engagement.refresh_clocks(s, t, now)
        campaign_audience.materialize_due(s, t, now)
        fresh = s.info.get(self.FRESH_RUN_KEY) == inp.run_id
        quotes = follow_up_owners.claim_quotes(s, t, inp.run_id, now, limit, fresh)
        url = self._s.api_public_url
        links = {
            c.quote.id: quote_view_url(url, quotes_repo.ensure_view_token(s, c.quote.id)) for c in quotes
        }
        deals = follow_up_owners.claim_deals(s, t, inp.run_id, now, limit, fresh)
        stage_days = deals_repo.stage_days(s, t) if deals else {}
        r = plan_reads(s, t, now, inp.hour, limit)  # the counters and seven lists, one round trip
        n = r.counts
        context = CycleContext(
            tenant_id=t,
            hour=inp.hour,
            goals=cycle_facts.goal_pace(s, t, now),
            new_orders=r.new_orders,
            open_order_exceptions=n.open_order_exceptions,
            engagement_total=n.engagement_total,
            engagement_overdue=n.engagement_overdue,
            touch_candidates=r.touch_candidates,
            open_deals=n.open_deals,
            pipeline_value=n.pipeline_value,
            pipeline_thin=n.open_deals < self._s.agent.pipeline_thin_below,
            compliance_due=r.compliance_due,
            client_requests=r.client_requests,
            inbox_unprocessed=n.inbox_unprocessed,
            broadcasts_due=r.broadcasts_due,
            accounts_without_contacts=r.accounts_without_contacts,
            deferred=r.deferred,
            tenant_domains=self._domains(s, t),
            signals=signals.for_planner(s, t, limit),
            quote_follow_ups=tuple(
                quote_input(
                    t, c.quote.id, c.to_email or "", c.quote.amount, f, links[c.quote.id], c.quote.title
                )
                for c in quotes
            ),
            deal_follow_ups=tuple(
                deal_input(
                    t,
                    c.deal.id,
                    stage=c.deal.stage,
                    title=c.deal.title,
                    to_email=c.to_email,
                    last_activity_at=c.deal.last_activity_at or c.deal.created_at or now,
                    stage_entered_at=c.deal.stage_entered_at or c.deal.created_at or now,
                    follow_up_count=c.deal.follow_up_count,
                    stage_days=stage_days,
                    settings=f,
                )
                for c in deals
            ),
        )
        if not rules_only(self._s):  # passages are for the AI planner's prompt only
            return context.model_copy(update={"passages": planner_passages(s, t, context)})
        plan = rules_plan(self._s, context, rules_note(self._s))
        return context.model_copy(update={"rules_plan": plan.actions, "rules_note": plan.note})
