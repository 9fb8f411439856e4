"""The baseline of bench.cycles: a parent fanning out empty children (its own module, so the
workflow sandbox imports nothing else)."""

from __future__ import annotations

import asyncio

from temporalio import workflow


@workflow.defn(name="BenchEmpty")
class EmptyWorkflow:
    @workflow.run
    async def run(self, _: str) -> str:
        return "ok"


@workflow.defn(name="BenchBareFanout")
class BareFanoutWorkflow:
    @workflow.run
    async def run(self, n: int, batch: int, continue_after: int, done: int = 0) -> int:
        here = 0
        while done < n:
            size = min(batch, n - done)
            await asyncio.gather(
                *(
                    workflow.execute_child_workflow(
                        EmptyWorkflow.run, "x", id=f"{workflow.info().workflow_id}-c{done + i}"
                    )
                    for i in range(size)
                )
            )
            done, here = done + size, here + size
            if here >= continue_after and done < n:
                workflow.continue_as_new(args=[n, batch, continue_after, done])
        return done
