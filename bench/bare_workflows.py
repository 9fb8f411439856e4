"""The baseline of bench.cycles: a parent keeping ``batch`` empty children in flight, continuing
as new every ``continue_after`` children, like CycleFanout (its own module, so the workflow
sandbox imports nothing else)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from temporalio import workflow


@workflow.defn(name="BenchEmpty")
class EmptyWorkflow:
    @workflow.run
    async def run(self, _: str) -> str:
        return "ok"


async def windowed(
    start_one: Callable[[int], Awaitable[object]], n: int, batch: int, continue_after: int, done: int
) -> int:
    """Run ``start_one(i)`` for i from ``done`` up to ``n``, ``batch`` at a time (a sliding window),
    at most ``continue_after`` of them in this run; returns the next i (``n`` when all are done)."""
    window = asyncio.Semaphore(batch)

    async def child(i: int) -> None:
        try:
            await start_one(i)
        finally:
            window.release()

    tasks = []
    here = 0
    while done < n and here < continue_after:
        await window.acquire()
        tasks.append(asyncio.create_task(child(done)))
        done, here = done + 1, here + 1
    await asyncio.gather(*tasks)
    return done


@workflow.defn(name="BenchBareFanout")
class BareFanoutWorkflow:
    @workflow.run
    async def run(self, n: int, batch: int, continue_after: int, done: int = 0) -> int:
        def empty(i: int) -> Awaitable[str]:
            return workflow.execute_child_workflow(
                EmptyWorkflow.run, "x", id=f"{workflow.info().workflow_id}-c{i}"
            )

        done = await windowed(empty, n, batch, continue_after, done)
        if done < n:
            workflow.continue_as_new(args=[n, batch, continue_after, done])
        return done
