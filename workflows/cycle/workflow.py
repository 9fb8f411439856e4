"""The tenant hourly cycle as workflows (seed 004 P0.1, replacing its cron route and lock table).

- :class:`TenantCycleWorkflow` (``cycle-{tenant}-{yyyymmddhh}``): Plan → Act → React → Reflect.
  Its short DB steps are local activities on the agent worker; the planner (an LLM call) and
  ``send_email`` (messaging queue) are regular activities.
  The id is the tenant lock: a second start for the same hour is refused by Temporal.
  Every action passes ``guard_action`` (kill switches, policy engine, rate limits) just before it
  runs, so flipping a switch stops new actions within one action's time.
- :class:`ScheduledCycleWorkflow`: what each tenant's hourly Temporal Schedule starts; it names
  the cycle for the scheduled hour and waits for it (the schedule's overlap policy is SKIP).
- :class:`CycleFanoutWorkflow`: runs every enabled tenant's cycle for one hour as child workflows,
  at most ``batch`` in flight (a sliding window), continuing as new every ``continue_after``
  children (small history).

Deterministic: no I/O, clock or randomness here; activities are called by name.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from core import search_attributes as sa
    from workflows.common import RETRY, db, email, scheduled_time
    from workflows.cycle.hours import cycle_workflow_id, hour_key
    from workflows.cycle.models import (
        EMAIL_KINDS,
        ActionKind,
        ActionOutcome,
        BroadcastBatch,
        BroadcastRecordInput,
        BroadcastResult,
        CycleContext,
        CycleInput,
        CycleResult,
        CycleState,
        CycleStatus,
        EmailOutcomeInput,
        FanoutInput,
        FanoutResult,
        GuardInput,
        GuardResult,
        PerformInput,
        PlanResult,
        ProposedAction,
        ReactInput,
        ReactSummary,
        ReflectInput,
        RunStart,
        StartRunInput,
        TenantPage,
        TenantRef,
    )
    from workflows.email import SendEmailResult


@workflow.defn(name="TenantCycle")
class TenantCycleWorkflow:
    def __init__(self) -> None:
        self._state: CycleState | None = None

    @workflow.query(name="status")
    def status(self) -> CycleState | None:
        """Phase (start, plan, act, react, reflect, done), status, counts and the current action."""
        return self._state

    def _set(self, **changes: object) -> None:
        assert self._state is not None
        self._state = self._state.model_copy(update=changes)

    async def _agent(
        self, name: str, arg: object, result_type: type | None = None, timeout_s: int = 60
    ) -> object:
        """A short DB step on this worker (a local activity)."""
        return await db(name, arg, result_type, timeout_s=timeout_s)

    @workflow.run
    async def run(self, inp: CycleInput) -> CycleResult:
        run_id = workflow.info().workflow_id
        started = workflow.now()
        self._state = CycleState(run_id=run_id, phase="start", status="running")
        workflow.upsert_search_attributes(
            [
                sa.TENANT_ID.value_set(inp.tenant_id),
                sa.KIND.value_set("cycle"),
                sa.STATUS.value_set("running"),
            ]
        )
        t = inp.tenant_id
        start = StartRunInput(run_id=run_id, tenant_id=t, hour=inp.hour, trigger=inp.trigger)
        begun: RunStart = await self._agent("start_run", start, RunStart)  # type: ignore[assignment]
        switches = begun.switches
        planner: str | None = None
        halted: str | None = None
        react: ReactSummary | None = None
        status: CycleStatus = "completed"
        error: str | None = None
        if not switches.enabled:
            status, halted = "skipped", switches.reason
        else:
            try:
                self._set(phase="plan")
                ctx: CycleContext = await self._agent("gather_context", start, CycleContext)  # type: ignore[assignment]
                plan: PlanResult = await workflow.execute_activity(
                    "plan_actions",
                    ctx,
                    task_queue=workflow.info().task_queue,
                    result_type=PlanResult,
                    start_to_close_timeout=timedelta(seconds=120),
                    retry_policy=RETRY,
                )
                planner = plan.planner
                self._set(phase="act", planned=len(plan.actions))
                for action in plan.actions:
                    self._set(current_action=action.key)
                    g: GuardResult = await self._agent(  # type: ignore[assignment]
                        "guard_action",
                        GuardInput(run_id=run_id, tenant_id=t, hour=inp.hour, action=action),
                        GuardResult,
                    )
                    if g.verdict == "halt":
                        halted, status = g.reason, "halted"
                        break
                    if g.verdict == "block":
                        self._set(blocked=self._state.blocked + 1)  # type: ignore[union-attr]
                        continue
                    if g.verdict == "defer":
                        self._set(deferred=self._state.deferred + 1)  # type: ignore[union-attr]
                        continue
                    await self._perform(inp, run_id, action)
                    self._set(executed=self._state.executed + 1)  # type: ignore[union-attr]
                self._set(phase="react", current_action=None)
                react = await self._agent("react", ReactInput(run_id=run_id, tenant_id=t), ReactSummary)  # type: ignore[assignment]
            except ActivityError as e:  # a regular activity's final failure
                status, error = "failed", f"{e.message}: {e.cause}" if e.cause else e.message
            except ApplicationError as e:  # a local activity's final failure arrives unwrapped
                status, error = "failed", f"{e.type}: {e.message}" if e.type else e.message
        self._set(phase="reflect", status=status)
        st = self._state
        assert st is not None
        await self._agent(
            "reflect",
            ReflectInput(
                run_id=run_id,
                tenant_id=t,
                hour=inp.hour,
                status=status,
                planner=planner,
                planned=st.planned,
                executed=st.executed,
                blocked=st.blocked,
                deferred=st.deferred,
                react=react,
                error=error,
                halted_reason=halted,
                started_at=started,
            ),
        )
        self._set(phase="done")
        workflow.upsert_search_attributes([sa.STATUS.value_set(status)])
        if status == "failed":
            raise ApplicationError(f"cycle failed: {error}", type="CycleFailed", non_retryable=True)
        return CycleResult(
            run_id=run_id,
            status=status,
            planner=planner,
            planned=st.planned,
            executed=st.executed,
            blocked=st.blocked,
            deferred=st.deferred,
            reason=halted,
        )

    async def _send(
        self, inp: CycleInput, run_id: str, key: str, to: str, subject: str, body: str
    ) -> SendEmailResult:
        return await email(
            inp.messaging_queue,
            inp.tenant_id,
            key,
            to,
            subject,
            body,
            timeout_s=inp.action_timeout_s,
            run_id=run_id,
        )

    async def _perform(self, inp: CycleInput, run_id: str, a: ProposedAction) -> None:
        t = inp.tenant_id
        if a.kind in EMAIL_KINDS:
            sent = await self._send(inp, run_id, a.key, a.to_email or "", a.subject or "", a.body or "")
            await self._agent(
                "record_email_outcome",
                EmailOutcomeInput(
                    run_id=run_id, tenant_id=t, action=a, status=sent.status, detail=sent.detail
                ),
            )
        elif a.kind == ActionKind.SEND_BROADCAST_BATCH:
            p = PerformInput(run_id=run_id, tenant_id=t, hour=inp.hour, action=a)
            batch: BroadcastBatch = await self._agent("prepare_broadcast", p, BroadcastBatch)  # type: ignore[assignment]
            sent = await asyncio.gather(
                *(self._send(inp, run_id, s.key, s.to_email, batch.subject, batch.body) for s in batch.sends)
            )
            results = tuple(
                BroadcastResult(contact_id=s.contact_id, key=s.key, status=r.status)
                for s, r in zip(batch.sends, sent, strict=True)
            )
            await self._agent(
                "record_broadcast",
                BroadcastRecordInput(
                    run_id=run_id,
                    tenant_id=t,
                    action=a,
                    campaign_id=batch.campaign_id,
                    results=results,
                    deferred=batch.deferred,
                ),
                ActionOutcome,
            )
        else:
            await self._agent(
                "perform_action",
                PerformInput(run_id=run_id, tenant_id=t, hour=inp.hour, action=a),
                ActionOutcome,
            )


def _child_options(tenant_id: str, hour: str) -> dict[str, object]:
    return {
        "id": cycle_workflow_id(tenant_id, hour),
        "task_queue": workflow.info().task_queue,
        "id_reuse_policy": WorkflowIDReusePolicy.REJECT_DUPLICATE,
        "parent_close_policy": workflow.ParentClosePolicy.ABANDON,
    }


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
            handle = await workflow.start_child_workflow(
                TenantCycleWorkflow.run,
                CycleInput(tenant_id=tenant.tenant_id, hour=hour, trigger="schedule"),
                **_child_options(tenant.tenant_id, hour),  # type: ignore[arg-type]
            )
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
            handle = await workflow.start_child_workflow(
                TenantCycleWorkflow.run,
                CycleInput(tenant_id=tenant_id, hour=hour, trigger="fanout"),
                **_child_options(tenant_id, hour),  # type: ignore[arg-type]
            )
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
            page: list[str] = await db(  # type: ignore[assignment]
                "list_enabled_tenants", TenantPage(after=after, limit=limit, prefix=inp.prefix), list[str]
            )
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
