"""``begin_cycle``'s result (issue 17): the run start and what of Plan's context the cycle
workflow branches on or hands on (workflows/cycle/begin.py)."""

from __future__ import annotations

from workflows.cycle.actions import ProposedAction
from workflows.cycle.context import CycleContext
from workflows.cycle.messages import RunStart
from workflows.followups.models import DealInput, QuoteInput
from workflows.models import Frozen


class CycleStart(Frozen):
    """``begin_cycle``'s result. ``plan`` and the follow-ups are empty when the run is skipped
    or switched off (no context is read then)."""

    run: RunStart
    plan: tuple[ProposedAction, ...] | None = None
    """The rule planner's actions; None with ``context`` set: ``plan_actions`` plans."""
    note: str | None = None
    """With ``plan``: why the rule planner ran (``PlanResult.note``)."""
    context: CycleContext | None = None
    """Plan's whole context, only for the AI planner (``plan_actions``)."""
    quote_follow_ups: tuple[QuoteInput, ...] = ()
    deal_follow_ups: tuple[DealInput, ...] = ()

    @classmethod
    def of(cls, run: RunStart, ctx: CycleContext) -> CycleStart:
        """What of ``ctx`` the workflow needs: the rules plan, or the context for the AI planner."""
        ai = ctx.rules_plan is None
        return cls(
            run=run,
            plan=ctx.rules_plan,
            note=ctx.rules_note,
            context=ctx if ai else None,
            quote_follow_ups=ctx.quote_follow_ups,
            deal_follow_ups=ctx.deal_follow_ups,
        )
