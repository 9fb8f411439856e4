"""The tenant hourly cycle as workflows (seed 004 P0.1, replacing its cron route and lock table).

- :class:`TenantCycleWorkflow` (``cycle-{tenant}-{yyyymmddhh}``): Plan → Act → React → Reflect.
  Every action passes ``guard_action`` (kill switches, policy engine, rate limits) just before it
  runs, so flipping a switch stops new actions within one action's time.
- What starts it (the tenant's hourly schedule, the hour's fan-out): :mod:`workflows.cycle.triggers`.

Deterministic; activities via :mod:`workflows.cycle.activities`. Tenant lock: the hour's id refuses
a second start for the hour, ``start_run`` a second *running* cycle of the tenant (a database
constraint; the later one ends ``skipped``, saying why). The cycle starts quote/deal follow-ups.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from core import search_attributes as sa
    from workflows.alerts import AlertNotice
    from workflows.cycle import activities as act
    from workflows.cycle import tags
    from workflows.cycle.begin import open_run, plan_phase
    from workflows.cycle.close import CloseResult, closing
    from workflows.cycle.deliver import deliver_alerts
    from workflows.cycle.messages import (
        CycleInput,
        CycleResult,
        CycleState,
        CycleStatus,
        EmailOutcomeInput,
        StartRunInput,
    )
    from workflows.cycle.perform import guard, perform


@workflow.defn(name="TenantCycle")
class TenantCycleWorkflow:
    def __init__(self) -> None:
        self._state: CycleState | None = None

    @workflow.query(name="status")
    def status(self) -> CycleState | None:
        """Phase (start, plan, act, react, reflect, done), status, counts and the current action."""
        return self._state

    @property
    def _st(self) -> CycleState:
        assert self._state is not None
        return self._state

    def _set(self, **changes: object) -> None:
        self._state = self._st.model_copy(update=changes)

    @workflow.run
    async def run(self, inp: CycleInput) -> CycleResult:
        run_id = workflow.info().workflow_id
        started = workflow.now()
        self._state = CycleState(run_id=run_id, phase="start", status="running")
        if not tags.tagged_at_start(workflow.info().typed_search_attributes, inp.tenant_id):
            workflow.upsert_search_attributes(  # a start without them (workflows/cycle/tags.py)
                [
                    sa.TENANT_ID.value_set(inp.tenant_id),
                    sa.KIND.value_set(tags.KIND),
                    sa.STATUS.value_set(tags.RUNNING),
                ]
            )
        t = inp.tenant_id
        start = StartRunInput(run_id=run_id, tenant_id=t, hour=inp.hour, trigger=inp.trigger)
        opened = await open_run(start)  # workflows/cycle/begin.py
        begun = opened.run
        switches = begun.switches
        planner: str | None = None
        halted: str | None = None
        status: CycleStatus = "completed"
        error: str | None = None
        handed_off = 0
        closed: CloseResult | None = None
        notices: list[AlertNotice] | None = None
        pending: EmailOutcomeInput | None = None  # an email's outcome for the next DB step
        if begun.skipped_reason:  # another run of the tenant holds the running-cycle lock
            status, halted = "skipped", begun.skipped_reason
        elif not switches.enabled:
            status, halted = "skipped", switches.reason
        else:
            try:
                self._set(phase="plan")
                plan, handed_off = await plan_phase(opened, inp)
                planner = plan.planner
                self._set(phase="act", planned=len(plan.actions))
                for action in plan.actions:
                    self._set(current_action=action.key)
                    g, done = await guard(inp, run_id, action, pending)  # done: performed there too
                    pending = None
                    if g.verdict == "halt":
                        halted, status = g.reason, "halted"
                        break
                    if g.verdict == "block":
                        self._set(blocked=self._st.blocked + 1)
                        continue
                    if g.verdict == "defer":
                        self._set(deferred=self._st.deferred + 1)
                        continue
                    if not done:
                        pending = await perform(inp, run_id, action)
                    self._set(executed=self._st.executed + 1)
                # React and Reflect in one step (close.py)
                self._set(phase="reflect", status=status, current_action=None)
                closed = await act.react_and_reflect(
                    closing(self._st, inp, planner, None, halted, started, pending_email=pending)
                )
                notices = list(closed.notices)
            except ActivityError as e:  # a regular activity's final failure
                status, error = "failed", f"{e.message}: {e.cause}" if e.cause else e.message
            except ApplicationError as e:  # a local activity's final failure arrives unwrapped
                status, error = "failed", f"{e.type}: {e.message}" if e.type else e.message
        if closed is None:  # skipped, or failed (the closing step too)
            self._set(phase="reflect", status=status)
            close = closing(self._st, inp, planner, error, halted, started, pending_email=pending)
            notices = await act.reflect(close)
        st = self._st
        await deliver_alerts(inp, notices)  # the new alerts to workflows.alerts.deliver_alert
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
            follow_ups_started=handed_off,
        )
