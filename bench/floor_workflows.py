"""The skeleton of a cycle for bench/cycle_floor.py: the Temporal shape of ``TenantCycle`` with no
work in it (a module of its own beside bench/bare_workflows.py, both passed through the sandbox).

:class:`SkeletonCycle` runs the steps its ``shape`` spells (:data:`CYCLE_SHAPE`, by default what a
bench cycle issues in 16 events: tags at its start, four local activities for ``begin_cycle``,
``guard_and_perform``, ``guard_action`` and ``react_and_reflect``, one regular activity on another
task queue served by another process for ``send_email`` on the messaging queue, and the closing
Status upsert). Each step echoes its input.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import TypedSearchAttributes

from bench.bare_workflows import windowed
from core import search_attributes as sa
from workflows.cycle import tags

SEND_QUEUE = "bench-floor-send"


@activity.defn(name="floor_step")
def floor_step(payload: str) -> str:
    """A local DB step's stand-in: returns its input."""
    return payload


@activity.defn(name="floor_send")
def floor_send(payload: str) -> str:
    """``send_email``'s stand-in, on :data:`SEND_QUEUE`: returns its input."""
    return payload


async def _local(payload: str) -> str:
    out: str = await workflow.execute_local_activity(
        floor_step, payload, start_to_close_timeout=timedelta(seconds=60)
    )
    return out


CYCLE_SHAPE = "TLLLSLU"
"""A bench cycle's steps, in order: T tags at start (set by the parent), L a local activity
(``begin_cycle``, ``guard_and_perform``, ``guard_action``), S the send on :data:`SEND_QUEUE`,
L (``react_and_reflect``), U the closing Status upsert."""


@workflow.defn(name="BenchSkeletonCycle")
class SkeletonCycle:
    @workflow.run
    async def run(self, payload: str, shape: str = CYCLE_SHAPE) -> str:
        """Runs ``shape``'s steps (see :data:`CYCLE_SHAPE`) in order; returns ``payload``."""
        for step in shape:
            if step == "L":
                payload = await _local(payload)
            elif step == "S":
                payload = await workflow.execute_activity(
                    floor_send, payload, task_queue=SEND_QUEUE, start_to_close_timeout=timedelta(seconds=60)
                )
            elif step == "U":
                workflow.upsert_search_attributes([sa.STATUS.value_set("completed")])
        return payload


@workflow.defn(name="BenchSkeletonFanout")
class SkeletonFanout:
    """``BenchBareFanout``'s shape (bench/bare_workflows.py) with :class:`SkeletonCycle` children."""

    @workflow.run
    async def run(
        self, n: int, batch: int, continue_after: int, payload: str, shape: str = CYCLE_SHAPE, done: int = 0
    ) -> int:
        def cycle(i: int) -> Awaitable[str]:
            return workflow.execute_child_workflow(
                SkeletonCycle.run,
                args=[payload, shape],
                id=f"{workflow.info().workflow_id}-c{i}",
                search_attributes=tags.at_start(f"floor-{i:05d}")
                if "T" in shape
                else TypedSearchAttributes([]),
            )

        done = await windowed(cycle, n, batch, continue_after, done)
        if done < n:
            workflow.continue_as_new(args=[n, batch, continue_after, payload, shape, done])
        return done
