"""Typed calls of the cycle's activities, one function per activity: each owns the activity's
registered name, where it runs, its timeout and its named retry policy (:mod:`workflows.retry`).

- Short DB steps are local activities on the agent worker (:func:`workflows.common.db`), 60 s,
  ``retry.DB`` (the fan-out's page read: 30 s).
- ``plan_actions`` (an LLM call) is a regular activity on the workflow's own task queue, 120 s.
- Emails go through :func:`workflows.common.email` (``send_email`` on the messaging queue).

Deterministic: call only from workflow code.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

from workflows import retry
from workflows.alerts import AlertNotice, AlertsDelivered
from workflows.common import db
from workflows.cycle.close import CloseResult
from workflows.cycle.context import CycleContext
from workflows.cycle.messages import (
    ActionOutcome,
    BroadcastBatch,
    BroadcastRecordInput,
    EmailOutcomeInput,
    GuardInput,
    GuardResult,
    PerformInput,
    PlanResult,
    ReactInput,
    ReactSummary,
    ReflectInput,
    RunStart,
    StartRunInput,
    TenantPage,
    TenantRef,
)
from workflows.cycle.start import CycleStart

STEP_S = 60
"""start-to-close of each local DB step of a cycle, in seconds."""
PLAN_S = 120
"""start-to-close of ``plan_actions`` (the AI planner's call), in seconds."""
PAGE_S = 30


async def start_run(inp: StartRunInput) -> RunStart:
    return await db("start_run", inp, RunStart, timeout_s=STEP_S)


async def gather_context(inp: StartRunInput) -> CycleContext:
    return await db("gather_context", inp, CycleContext, timeout_s=STEP_S)


async def begin_cycle(inp: StartRunInput) -> CycleStart:
    """``start_run`` and ``gather_context`` as one step (workflows/cycle/begin.py)."""
    return await db("begin_cycle", inp, CycleStart, timeout_s=STEP_S)


async def plan_actions(ctx: CycleContext) -> PlanResult:
    result: PlanResult = await workflow.execute_activity(
        "plan_actions",
        ctx,
        task_queue=workflow.info().task_queue,
        result_type=PlanResult,
        start_to_close_timeout=timedelta(seconds=PLAN_S),
        retry_policy=retry.DB,
    )
    return result


async def guard_action(inp: GuardInput) -> GuardResult:
    return await db("guard_action", inp, GuardResult, timeout_s=STEP_S)


async def guard_and_perform(inp: GuardInput) -> GuardResult:
    """``guard_action`` then, if allowed, ``perform_action``, as one step (a kind with a runner)."""
    return await db("guard_and_perform", inp, GuardResult, timeout_s=STEP_S)


async def perform_action(inp: PerformInput) -> ActionOutcome:
    return await db("perform_action", inp, ActionOutcome, timeout_s=STEP_S)


async def record_email_outcome(inp: EmailOutcomeInput) -> None:
    await db("record_email_outcome", inp, timeout_s=STEP_S)


async def prepare_broadcast(inp: PerformInput) -> BroadcastBatch:
    return await db("prepare_broadcast", inp, BroadcastBatch, timeout_s=STEP_S)


async def record_broadcast(inp: BroadcastRecordInput) -> ActionOutcome:
    return await db("record_broadcast", inp, ActionOutcome, timeout_s=STEP_S)


async def react(inp: ReactInput) -> ReactSummary:
    return await db("react", inp, ReactSummary, timeout_s=STEP_S)


async def reflect(inp: ReflectInput) -> list[AlertNotice] | None:
    """Closes the run; returns the tenant's undelivered alerts read in the same transaction
    (None from a worker older than issue 17's merged step: then ask ``alert_notices``)."""
    decoded_as: Any = list[AlertNotice] | None
    notices: list[AlertNotice] | None = await db("reflect", inp, decoded_as, timeout_s=STEP_S)
    return notices


async def react_and_reflect(inp: ReflectInput) -> CloseResult:
    """React, then Reflect with its summary, in one step (workflows/cycle/close.py)."""
    return await db("react_and_reflect", inp, CloseResult, timeout_s=STEP_S)


async def alert_notices(t: TenantRef) -> list[AlertNotice]:
    notices: list[AlertNotice] = await db("alert_notices", t, list[AlertNotice], timeout_s=STEP_S)
    return notices


async def mark_alerts_notified(inp: AlertsDelivered) -> None:
    await db("mark_alerts_notified", inp, timeout_s=STEP_S)


async def list_enabled_tenants(page: TenantPage) -> list[str]:
    tenants: list[str] = await db("list_enabled_tenants", page, list[str], timeout_s=PAGE_S)
    return tenants
