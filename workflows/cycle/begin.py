"""The start of a cycle: the run record and Plan's context as ONE local activity (issue 17).

Before :data:`BEGIN_PATCH` a cycle ran ``start_run`` (claim the tenant's running-cycle lock,
read the switches), then ``gather_context`` (Plan's context, with the rules plan when the rule
planner runs): two local activities, two activations, four transactions. Under the patch it
runs ``begin_cycle``: one local activity, one connection, the claim committed with the context's
own claims. Its result carries only what the workflow branches on or hands on (the run start,
the rules plan, the follow-up workflows' inputs); the whole context comes back only when the AI
planner needs it (``plan_actions``). If ``begin_cycle`` fails for good, ``start_run`` (idempotent
on the run id) reads the run record and the cycle fails with the merged step's error and is
closed by ``reflect``, as a failed ``gather_context`` was. Old histories replay the two steps.

Deterministic: call only from workflow code.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.cycle import activities as act
    from workflows.cycle.handoff import hand_off
    from workflows.cycle.messages import CycleInput, PlanResult, RunStart, StartRunInput
    from workflows.cycle.start import CycleStart

BEGIN_PATCH = "cycle-begin-merged"
FOLLOW_UPS_PATCH = "cycle-starts-follow-up-workflows"
"""Starting ``Quote``/``Deal`` workflows for unowned quotes and deals (issue 9, part 7)."""
PLAN_IN_CONTEXT_PATCH = "cycle-rules-plan-in-context"  # the rules plan comes with the context (issue 17)


@dataclass(frozen=True)
class Opened:
    """How the run began: ``run`` always; ``start`` under :data:`BEGIN_PATCH` when
    ``begin_cycle`` succeeded; ``failure`` its final failure (raised again in the Plan phase)."""

    run: RunStart
    start: CycleStart | None = None
    failure: ActivityError | ApplicationError | None = None


async def open_run(start: StartRunInput) -> Opened:
    """``begin_cycle`` (under :data:`BEGIN_PATCH`), else ``start_run``; see the module doc."""
    if not workflow.patched(BEGIN_PATCH):
        return Opened(await act.start_run(start))
    try:
        begun = await act.begin_cycle(start)
    except (ActivityError, ApplicationError) as e:  # local activities' final failures come unwrapped
        return Opened(await act.start_run(start), failure=e)
    return Opened(begun.run, begun)


async def plan_phase(opened: Opened, start: StartRunInput, inp: CycleInput) -> tuple[PlanResult, int]:
    """Plan: the follow-up workflows handed off and the plan. Returns (plan, workflows started).
    Raises the merged step's failure, or ``gather_context``'s/``plan_actions``' (old shape)."""
    if opened.failure is not None:
        raise opened.failure
    b = opened.start
    if b is None:  # before BEGIN_PATCH
        ctx = await act.gather_context(start)
        handed = 0
        if (ctx.quote_follow_ups or ctx.deal_follow_ups) and workflow.patched(FOLLOW_UPS_PATCH):
            handed = await hand_off(ctx.quote_follow_ups, ctx.deal_follow_ups, inp.messaging_queue)
        if ctx.rules_plan is not None and workflow.patched(PLAN_IN_CONTEXT_PATCH):
            return PlanResult(planner="rules", actions=ctx.rules_plan, note=ctx.rules_note), handed
        return await act.plan_actions(ctx), handed
    handed = 0
    if b.quote_follow_ups or b.deal_follow_ups:
        handed = await hand_off(b.quote_follow_ups, b.deal_follow_ups, inp.messaging_queue)
    if b.plan is not None:
        return PlanResult(planner="rules", actions=b.plan, note=b.note), handed
    assert b.context is not None  # begin_cycle returns one or the other  # noqa: S101
    return await act.plan_actions(b.context), handed
