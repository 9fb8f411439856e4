"""The start of a cycle: the run record and Plan's context as ONE local activity (issue 17).

``begin_cycle`` claims the tenant's running-cycle lock, reads the switches and Plan's context on
one connection, the claim committed with the context's own claims. Its result carries only what
the workflow branches on or hands on (the run start, the rules plan, the follow-up workflows'
inputs); the whole context comes back only when the AI planner needs it (``plan_actions``). If
``begin_cycle`` fails for good, ``start_run`` (idempotent on the run id) reads the run record and
the cycle fails with the merged step's error and is closed by ``reflect``.

The older two-step shape (``start_run`` + ``gather_context``, patches ``cycle-begin-merged``,
``cycle-starts-follow-up-workflows``, ``cycle-rules-plan-in-context``) is retired: cycles are
bounded by :data:`workflows.cycle.hours.CYCLE_BOUND`, and its histories are in
tests/replay/histories/retired/.

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


@dataclass(frozen=True)
class Opened:
    """How the run began: ``run`` always; ``start`` when ``begin_cycle`` succeeded; ``failure``
    its final failure (raised again in the Plan phase)."""

    run: RunStart
    start: CycleStart | None = None
    failure: ActivityError | ApplicationError | None = None


async def open_run(start: StartRunInput) -> Opened:
    """``begin_cycle``; on its final failure ``start_run`` (see the module doc)."""
    try:
        begun = await act.begin_cycle(start)
    except (ActivityError, ApplicationError) as e:  # local activities' final failures come unwrapped
        return Opened(await act.start_run(start), failure=e)
    return Opened(begun.run, begun)


async def plan_phase(opened: Opened, inp: CycleInput) -> tuple[PlanResult, int]:
    """Plan: the follow-up workflows handed off and the plan. Returns (plan, workflows started).
    Raises ``begin_cycle``'s failure, or ``plan_actions``'."""
    if opened.failure is not None:
        raise opened.failure
    b = opened.start
    assert b is not None  # no failure: begin_cycle returned  # noqa: S101
    handed = 0
    if b.quote_follow_ups or b.deal_follow_ups:
        handed = await hand_off(b.quote_follow_ups, b.deal_follow_ups, inp.messaging_queue)
    if b.plan is not None:
        return PlanResult(planner="rules", actions=b.plan, note=b.note), handed
    assert b.context is not None  # begin_cycle returns one or the other  # noqa: S101
    return await act.plan_actions(b.context), handed
