"""What starts the hourly cycles (seed 004 P0.1, replacing its cron route and lock table).

- :class:`ScheduledCycleWorkflow`: each tenant's hourly Schedule starts it; it runs the scheduled
  hour's cycle and waits for it (the schedule's overlap policy is SKIP).
- :class:`CycleFanoutWorkflow`: runs every enabled tenant's cycle for one hour as child workflows,
  at most ``batch`` in flight (a sliding window), continuing as new every ``continue_after``
  children (small history).

Both start :class:`workflows.cycle.workflow.TenantCycleWorkflow` under the hour's id
(``cycle-{tenant}-{yyyymmddhh}``), which refuses a second start for the hour (the tenant lock).

Deterministic; activities via :mod:`workflows.cycle.activities`.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from core import search_attributes as sa
    from workflows.common import scheduled_time
    from workflows.cycle import activities as act
    from workflows.cycle import tags
    from workflows.cycle.hours import CYCLE_BOUND, hour_key
    from workflows.cycle.messages import (
        CycleInput,
        CycleResult,
        FanoutInput,
        FanoutResult,
        TenantPage,
        TenantRef,
    )
    from workflows.cycle.workflow import TenantCycleWorkflow
    from workflows.ids import cycle_workflow_id


async def start_cycle(
    tenant_id: str, hour: str, trigger: Literal["schedule", "fanout"]
) -> workflow.ChildWorkflowHandle[TenantCycleWorkflow, CycleResult]:
    """Start the hour's cycle as a child with the hour's id (raises WorkflowAlreadyStartedError
    when it already ran or runs), bounded by :data:`CYCLE_BOUND`, tagged at its start
    (:func:`workflows.cycle.tags.at_start`); it is not cancelled with its parent."""
    return await workflow.start_child_workflow(
        TenantCycleWorkflow.run,
        CycleInput(tenant_id=tenant_id, hour=hour, trigger=trigger),
        id=cycle_workflow_id(tenant_id, hour),
        task_queue=workflow.info().task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        parent_close_policy=workflow.ParentClosePolicy.ABANDON,
        execution_timeout=CYCLE_BOUND,
        search_attributes=tags.at_start(tenant_id),
    )


@workflow.defn(name="ScheduledCycle")
class ScheduledCycleWorkflow:
    """Started by the tenant's schedule ``cycle-schedule-{tenant}``; runs that hour's cycle."""

    @workflow.run
    async def run(self, tenant: TenantRef) -> CycleResult:
        at = scheduled_time()
        hour = hour_key(at)
        workflow.upsert_search_attributes(
            [sa.TENANT_ID.value_set(tenant.tenant_id), sa.KIND.value_set("cycle-trigger")]
        )
        try:
            handle = await start_cycle(tenant.tenant_id, hour, "schedule")
        except WorkflowAlreadyStartedError:
            return CycleResult(
                run_id=cycle_workflow_id(tenant.tenant_id, hour),
                status="skipped",
                reason="this hour's cycle already ran or is running (tenant lock)",
            )
        return await handle


@workflow.defn(name="CycleFanout")
class CycleFanoutWorkflow:
    """Every enabled tenant's cycle for one hour, ``batch`` children at a time."""

    def __init__(self) -> None:
        self._progress = FanoutResult(started=0, already_running=0, failed=0)

    @workflow.query(name="status")
    def status(self) -> FanoutResult:
        return self._progress

    async def _one(
        self, tenant_id: str, hour: str, window: asyncio.Semaphore, counts: dict[str, int]
    ) -> None:
        outcome = "started"
        try:
            handle = await start_cycle(tenant_id, hour, "fanout")
            await handle
        except WorkflowAlreadyStartedError:
            outcome = "already_running"
        except Exception:  # noqa: BLE001 - a child's failure is counted, not fatal to the fan-out
            outcome = "failed"
        finally:
            window.release()
        counts[outcome] += 1
        self._progress = FanoutResult(**counts)

    @workflow.run
    async def run(self, inp: FanoutInput) -> FanoutResult:
        """A sliding window of ``batch`` children in flight; pages of tenants are read as it moves.
        After ``continue_after`` children it drains the window and continues as new."""
        workflow.upsert_search_attributes([sa.KIND.value_set("cycle-fanout"), sa.STATUS.value_set("running")])
        counts = {"started": inp.started, "already_running": inp.already_running, "failed": inp.failed}
        window = asyncio.Semaphore(inp.batch)
        tasks: list[asyncio.Task[None]] = []
        after, done_here, more = inp.after, 0, True
        while more and done_here < inp.continue_after:
            limit = min(inp.batch, inp.continue_after - done_here)
            page = await act.list_enabled_tenants(TenantPage(after=after, limit=limit, prefix=inp.prefix))
            more = bool(page)
            for tenant_id in page:
                await window.acquire()
                tasks.append(asyncio.create_task(self._one(tenant_id, inp.hour, window, counts)))
            if page:
                after, done_here = page[-1], done_here + len(page)
        await asyncio.gather(*tasks)
        if more:
            workflow.continue_as_new(inp.model_copy(update={"after": after, **counts}))
        workflow.upsert_search_attributes([sa.STATUS.value_set("completed")])
        return FanoutResult(**counts)
