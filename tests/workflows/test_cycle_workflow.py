"""The cycle workflows on the real Temporal dev server with stand-in activities (under the real
activity names). The DB, SMTP and policy paths run for real in tests/integration/test_cycle.py."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from temporalio import activity
from temporalio.client import Client, WorkflowFailureError, WorkflowHistory
from temporalio.common import TypedSearchAttributes
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from tests.clock import clear_of_the_hour_turn
from tests.histories import record
from workers.sandbox import workflow_runner
from workflows.alerts import AlertNotice, AlertsDelivered
from workflows.cycle.actions import ActionKind, ProposedAction
from workflows.cycle.close import CloseResult
from workflows.cycle.context import CycleContext
from workflows.cycle.hours import CYCLE_BOUND
from workflows.cycle.messages import (
    ActionOutcome,
    BroadcastBatch,
    BroadcastRecordInput,
    BroadcastSend,
    CycleInput,
    CycleResult,
    EmailOutcomeInput,
    FanoutInput,
    GuardInput,
    GuardResult,
    PerformInput,
    PlanResult,
    ReactInput,
    ReactSummary,
    ReflectInput,
    RunStart,
    StartRunInput,
    Switches,
    TenantPage,
    TenantRef,
)
from workflows.cycle.start import CycleStart
from workflows.cycle.triggers import CycleFanoutWorkflow, ScheduledCycleWorkflow
from workflows.cycle.workflow import TenantCycleWorkflow
from workflows.email import SendEmailInput, SendEmailResult
from workflows.followups.models import QuoteEvent, QuoteInput
from workflows.registry import WORKFLOWS

HOUR = "2026112122"


def act(kind: ActionKind, target: str, **kw: object) -> ProposedAction:
    target_type = {"send_email": "contact", "process_order": "order", "send_broadcast_batch": "campaign"}.get(
        kind.value, "tenant"
    )
    return ProposedAction(key=f"k-{target}", kind=kind, target_type=target_type, target_id=target, **kw)  # type: ignore[arg-type]


@dataclass
class Fake:
    queue: str
    enabled: bool = True
    actions: list[ProposedAction] = field(default_factory=list)
    verdicts: dict[str, str] = field(default_factory=dict)  # action key -> verdict (default allow)
    tenants: list[str] = field(default_factory=list)
    fail_gather: bool = False
    plan_in_context: bool = False  # gather_context returns the rules plan (issue 17 Build 6)
    plan_calls: int = 0
    locked_by: str | None = None
    quotes: tuple[QuoteInput, ...] = ()
    quote_events: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    sent: list[SendEmailInput] = field(default_factory=list)
    reflected: list[ReflectInput] = field(default_factory=list)
    alerts: list[AlertNotice] = field(default_factory=list)
    notified: list[str] = field(default_factory=list)
    reflect_reads_alerts: bool = False  # reflect returns the alerts (issue 17), else None (older worker)
    notice_reads: int = 0
    fail_close: bool = False  # react_and_reflect fails (the run is then closed by reflect alone)

    def activities(self) -> list:  # type: ignore[type-arg]
        @activity.defn(name="start_run")
        async def start_run(_: StartRunInput) -> RunStart:
            self.calls.append("start_run")
            reason = None if self.enabled else "kill switch: test"
            return RunStart(
                cycle_number=1,
                switches=Switches(global_enabled=self.enabled, tenant_enabled=True, reason=reason),
                skipped_reason=f"tenant lock: cycle {self.locked_by} is still running"
                if self.locked_by
                else None,
            )

        @activity.defn(name="gather_context")
        async def gather_context(inp: StartRunInput) -> CycleContext:
            self.calls.append("gather_context")
            if self.fail_gather:
                raise ApplicationError("database rejected the read", type="DatabaseError", non_retryable=True)
            ctx = CycleContext(tenant_id=inp.tenant_id, hour=inp.hour, quote_follow_ups=self.quotes)
            if self.plan_in_context:
                return ctx.model_copy(update={"rules_plan": tuple(self.actions), "rules_note": "no key"})
            return ctx

        @activity.defn(name="begin_cycle")
        async def begin_cycle(inp: StartRunInput) -> CycleStart:
            """start_run then gather_context in one step (the calls are logged as both)."""
            run = await start_run(inp)
            if run.skipped_reason or not run.switches.enabled:
                return CycleStart(run=run)
            return CycleStart.of(run, await gather_context(inp))

        @activity.defn(name="plan_actions")
        async def plan_actions(_: CycleContext) -> PlanResult:
            self.plan_calls += 1
            return PlanResult(planner="rules", actions=tuple(self.actions))

        @activity.defn(name="guard_action")
        async def guard_action(inp: GuardInput) -> GuardResult:
            if inp.pending_email is not None:  # the previous email's outcome, recorded first
                await record_email_outcome(inp.pending_email)
            self.calls.append(f"guard:{inp.action.key}")
            return GuardResult(verdict=self.verdicts.get(inp.action.key, "allow"), reason="test")  # type: ignore[arg-type]

        @activity.defn(name="guard_and_perform")
        async def guard_and_perform(inp: GuardInput) -> GuardResult:
            verdict = await guard_action(inp)
            if verdict.verdict == "allow":
                await perform_action(PerformInput(**inp.model_dump(exclude={"pending_email"})))
            return verdict

        @activity.defn(name="perform_action")
        async def perform_action(inp: PerformInput) -> ActionOutcome:
            self.calls.append(f"perform:{inp.action.key}")
            return ActionOutcome(outcome="validated")

        @activity.defn(name="send_email")
        async def send_email(inp: SendEmailInput) -> SendEmailResult:
            self.sent.append(inp)
            return SendEmailResult(status="sent", message_id=f"<{inp.idempotency_key}@t>", attempts=1)

        @activity.defn(name="record_email_outcome")
        async def record_email_outcome(inp: EmailOutcomeInput) -> None:
            self.calls.append(f"email:{inp.action.key}:{inp.status}")

        @activity.defn(name="prepare_broadcast")
        async def prepare_broadcast(inp: PerformInput) -> BroadcastBatch:
            sends = tuple(
                BroadcastSend(contact_id=f"c{i}", key=f"b{i}", to_email=f"c{i}@example.test")
                for i in range(3)
            )
            return BroadcastBatch(
                campaign_id=inp.action.target_id, subject="News", body="Hi", sends=sends, deferred=2
            )

        @activity.defn(name="record_broadcast")
        async def record_broadcast(inp: BroadcastRecordInput) -> ActionOutcome:
            self.calls.append(f"broadcast:{len(inp.results)}:{inp.deferred}")
            return ActionOutcome(outcome="batch_sent")

        @activity.defn(name="react")
        async def react(_: ReactInput) -> ReactSummary:
            self.calls.append("react")
            return ReactSummary(replies=1)

        @activity.defn(name="reflect")
        async def reflect(inp: ReflectInput) -> list[AlertNotice] | None:
            if inp.pending_email is not None:
                await record_email_outcome(inp.pending_email)
            self.reflected.append(inp)
            return [a for a in self.alerts if a.scope == inp.tenant_id] if self.reflect_reads_alerts else None

        @activity.defn(name="react_and_reflect")
        async def react_and_reflect(inp: ReflectInput) -> CloseResult:
            if inp.pending_email is not None:
                await record_email_outcome(inp.pending_email)
            self.calls.append("react_and_reflect")
            if self.fail_close:
                why = "database rejected the write"
                raise ApplicationError(why, type="DatabaseError", non_retryable=True)
            summary = ReactSummary(replies=1)
            self.reflected.append(inp.model_copy(update={"react": summary}))
            notices = [a for a in self.alerts if a.scope == inp.tenant_id]
            return CloseResult(react=summary, notices=tuple(notices))

        @activity.defn(name="alert_notices")
        async def alert_notices(t: TenantRef) -> list[AlertNotice]:
            self.notice_reads += 1
            return [a for a in self.alerts if a.scope == t.tenant_id]

        @activity.defn(name="mark_alerts_notified")
        async def mark_alerts_notified(inp: AlertsDelivered) -> None:
            self.notified.extend(inp.ids)

        @activity.defn(name="record_quote_event")
        async def record_quote_event(e: QuoteEvent) -> None:
            self.quote_events.append(f"{e.quote_id}:{e.key}")

        @activity.defn(name="list_enabled_tenants")
        async def list_enabled_tenants(inp: TenantPage) -> list[str]:
            return [t for t in self.tenants if t > inp.after][: inp.limit]

        return [
            start_run,
            gather_context,
            begin_cycle,
            plan_actions,
            guard_action,
            guard_and_perform,
            perform_action,
            send_email,
            record_email_outcome,
            prepare_broadcast,
            record_broadcast,
            react,
            reflect,
            react_and_reflect,
            alert_notices,
            mark_alerts_notified,
            list_enabled_tenants,
            record_quote_event,
        ]


def fake_worker(client: Client, fake: Fake) -> Worker:
    """A worker of every workflow on ``fake``'s queue, with ``fake``'s activities."""
    return Worker(
        client,
        task_queue=fake.queue,
        workflows=WORKFLOWS,
        activities=fake.activities(),
        workflow_runner=workflow_runner(),
    )


@pytest.fixture
def fake() -> Fake:
    return Fake(queue=f"test-{uuid.uuid4()}")


async def run_cycle(  # type: ignore[no-untyped-def]
    client: Client,
    fake: Fake,
    scenario: str,
    tenant: str = "t1",
    search_attributes: TypedSearchAttributes | None = None,
):
    async with fake_worker(client, fake):
        handle = await client.start_workflow(
            TenantCycleWorkflow.run,
            CycleInput(tenant_id=tenant, hour=HOUR, messaging_queue=fake.queue),
            id=f"cycle-{tenant}-{HOUR}-{uuid.uuid4().hex[:6]}",
            task_queue=fake.queue,
            search_attributes=search_attributes or TypedSearchAttributes.empty,
        )
        try:
            return await handle.result()
        finally:
            await record(handle, scenario)


async def test_a_cycle_runs_plan_act_react_reflect_in_order(temporal_client: Client, fake: Fake) -> None:
    fake.actions = [
        act(ActionKind.PROCESS_ORDER, "o1"),
        act(ActionKind.SEND_EMAIL, "c1", to_email="c1@example.test", subject="Hi", body="Hello"),
        act(ActionKind.SEND_BROADCAST_BATCH, "camp1"),
    ]
    result = await run_cycle(temporal_client, fake, "completes_all_four_phases")
    assert (result.status, result.planned, result.executed) == ("completed", 3, 3)
    assert fake.calls == [
        "start_run",
        "gather_context",
        "guard:k-o1",
        "perform:k-o1",
        "guard:k-c1",
        "email:k-c1:sent",
        "guard:k-camp1",
        "broadcast:3:2",
        "react_and_reflect",
    ]
    assert fake.sent[0].idempotency_key == "k-c1"  # the batch's three go out in parallel
    assert sorted(s.idempotency_key for s in fake.sent[1:]) == ["b0", "b1", "b2"]
    [r] = fake.reflected
    assert (r.status, r.executed, r.react.replies if r.react else None) == ("completed", 3, 1)


async def test_a_rules_plan_that_came_with_the_context_needs_no_plan_actions_call(
    temporal_client: Client, fake: Fake
) -> None:
    """Issue 17 Build 6: with the rule-based planner, ``gather_context`` returns the plan, and the
    cycle (behind ``cycle-rules-plan-in-context``) acts on it without the ``plan_actions`` round trip."""
    fake.plan_in_context = True
    fake.actions = [
        act(ActionKind.PROCESS_ORDER, "o1"),
        act(ActionKind.SEND_EMAIL, "c1", to_email="c1@example.test", subject="Hi", body="Hello"),
    ]
    result = await run_cycle(temporal_client, fake, "rules_plan_in_context")
    assert (result.status, result.planner, result.planned, result.executed) == ("completed", "rules", 2, 2)
    assert fake.plan_calls == 0
    assert fake.calls == [
        "start_run",
        "gather_context",
        "guard:k-o1",
        "perform:k-o1",
        "guard:k-c1",
        "email:k-c1:sent",
        "react_and_reflect",
    ]


async def test_blocked_and_deferred_actions_are_counted_not_performed(
    temporal_client: Client, fake: Fake
) -> None:
    fake.actions = [
        act(ActionKind.CREATE_TASK, "x"),
        act(ActionKind.RESEARCH, "y"),
        act(ActionKind.PROCESS_ORDER, "o"),
    ]
    fake.verdicts = {"k-x": "block", "k-y": "defer"}
    result = await run_cycle(temporal_client, fake, "blocked_and_deferred")
    assert (result.executed, result.blocked, result.deferred) == (1, 1, 1)
    assert [c for c in fake.calls if c.startswith("perform")] == ["perform:k-o"]


async def test_a_halt_verdict_stops_the_remaining_actions(temporal_client: Client, fake: Fake) -> None:
    fake.actions = [act(ActionKind.PROCESS_ORDER, f"o{i}") for i in range(4)]
    fake.verdicts = {"k-o1": "halt"}
    result = await run_cycle(temporal_client, fake, "halt_stops_the_remaining_actions")
    assert result.status == "halted" and result.executed == 1
    assert [c for c in fake.calls if c.startswith(("guard", "perform"))] == [
        "guard:k-o0",
        "perform:k-o0",
        "guard:k-o1",
    ]
    assert fake.reflected[0].status == "halted" and "react_and_reflect" in fake.calls


async def test_a_switched_off_tenant_is_recorded_as_skipped(temporal_client: Client, fake: Fake) -> None:
    fake.enabled = False
    fake.actions = [act(ActionKind.PROCESS_ORDER, "o")]
    result = await run_cycle(temporal_client, fake, "switched_off_is_skipped")
    assert result.status == "skipped" and "kill switch" in (result.reason or "")
    assert fake.calls == ["start_run"] and fake.reflected[0].status == "skipped"


async def test_a_failed_phase_is_reflected_and_fails_the_workflow(
    temporal_client: Client, fake: Fake
) -> None:
    fake.fail_gather = True
    with pytest.raises(WorkflowFailureError) as err:
        await run_cycle(temporal_client, fake, "failed_phase_is_reflected")
    assert "cycle failed" in str(err.value.cause)
    [r] = fake.reflected
    assert r.status == "failed" and "database rejected the read" in (r.error or "")


async def test_the_fan_out_runs_every_tenant_in_batches_and_continues_as_new(
    temporal_client: Client, fake: Fake
) -> None:
    uid = uuid.uuid4().hex[:6]
    fake.tenants = [f"f{uid}-{i}" for i in range(7)]
    clear_of_the_hour_turn()  # the children's cycle ids carry the hour, the lock check reads it again
    hour = datetime.now(UTC).strftime("%Y%m%d%H")
    async with fake_worker(temporal_client, fake):
        handle = await temporal_client.start_workflow(
            CycleFanoutWorkflow.run,
            FanoutInput(hour=hour, batch=3, continue_after=3),
            id=f"fanout-{uuid.uuid4().hex[:6]}",
            task_queue=fake.queue,
        )
        result = await handle.result()
        first_run = temporal_client.get_workflow_handle(handle.id, run_id=handle.first_execution_run_id)
        await record(first_run, "first_run")
        await record(handle, "last_run")
        first = await first_run.fetch_history()
        # a tenant already run this hour is the lock held: a second fan-out skips it
        again = await temporal_client.execute_workflow(
            CycleFanoutWorkflow.run,
            FanoutInput(hour=hour, batch=10),
            id=f"fanout-{uuid.uuid4().hex[:6]}",
            task_queue=fake.queue,
        )
    assert (result.started, result.already_running, result.failed) == (7, 0, 0)
    assert any(e.HasField("workflow_execution_continued_as_new_event_attributes") for e in first.events)
    assert len(first.events) < 200  # one batch of 3 children per run, then continue-as-new
    assert (again.started, again.already_running) == (0, 7)


async def test_the_scheduled_trigger_runs_the_hours_cycle_once(temporal_client: Client, fake: Fake) -> None:
    tenant = f"s{uuid.uuid4().hex[:6]}"
    clear_of_the_hour_turn()  # both triggers take the hour from the clock: the second must see the same
    async with fake_worker(temporal_client, fake):
        h = await temporal_client.start_workflow(
            ScheduledCycleWorkflow.run,
            TenantRef(tenant_id=tenant),
            id=f"trig-{uuid.uuid4().hex[:6]}",
            task_queue=fake.queue,
        )
        first = await h.result()
        await record(h)
        second = await temporal_client.execute_workflow(
            ScheduledCycleWorkflow.run,
            TenantRef(tenant_id=tenant),
            id=f"trig-{uuid.uuid4().hex[:6]}",
            task_queue=fake.queue,
        )
    assert first.status == "completed" and first.run_id.startswith(f"cycle-{tenant}-")
    assert second.status == "skipped" and second.run_id == first.run_id
    child = await temporal_client.get_workflow_handle(first.run_id).describe()
    bound = child.raw_description.execution_config.workflow_execution_timeout.ToTimedelta()
    assert bound == CYCLE_BOUND  # every cycle is bounded: the rule that retired its patches


async def test_a_cycle_finding_the_tenant_lock_held_is_skipped_without_acting(
    temporal_client: Client, fake: Fake
) -> None:
    fake.locked_by = "cycle-t1-2026112121"
    fake.actions = [act(ActionKind.PROCESS_ORDER, "o")]
    result = await run_cycle(temporal_client, fake, "skipped_while_another_cycle_runs")
    assert result.status == "skipped" and "cycle-t1-2026112121 is still running" in (result.reason or "")
    assert fake.calls == ["start_run"]
    [r] = fake.reflected
    assert r.status == "skipped" and r.halted_reason == result.reason


async def test_the_cycle_hands_an_unowned_quote_to_its_workflow_and_never_emails_it(
    temporal_client: Client, fake: Fake
) -> None:
    import asyncio

    tenant = f"q{uuid.uuid4().hex[:6]}"
    quote = QuoteInput(tenant_id=tenant, quote_id="q1", to_email="buyer@example.test", follow_up_every_s=3600)
    fake.quotes = (quote,)
    child = temporal_client.get_workflow_handle(f"quote-{tenant}-q1")

    async def cycle(hour: str) -> CycleResult:
        handle = await temporal_client.start_workflow(
            TenantCycleWorkflow.run,
            CycleInput(tenant_id=tenant, hour=hour, messaging_queue=fake.queue),
            id=f"cycle-{tenant}-{hour}-{uuid.uuid4().hex[:6]}",
            task_queue=fake.queue,
        )
        result: CycleResult = await handle.result()
        if hour == HOUR:
            await record(handle)
        return result

    async with fake_worker(temporal_client, fake):
        try:
            first = await cycle(HOUR)
            for _ in range(100):  # the quote's workflow sends the quote on its own
                if fake.quote_events:
                    break
                await asyncio.sleep(0.1)
            again = await cycle("2026112123")  # the quote's workflow already runs: left alone
        finally:
            await child.terminate("test over")
    assert (first.status, first.follow_ups_started, again.follow_ups_started) == ("completed", 1, 0)
    assert [s.idempotency_key for s in fake.sent] == [
        f"{tenant}:quote:q1:sent"
    ]  # the workflow's, not the cycle's
    assert fake.sent[0].to_email == "buyer@example.test" and fake.quote_events == ["q1:sent"]


async def test_after_reflect_each_new_alert_is_emailed_to_the_operators_and_marked(
    temporal_client: Client, fake: Fake
) -> None:
    """Issue 17 Build 5: deliver_alert sends one email per operator through the outbox activity."""
    fake.alerts = [
        AlertNotice(
            id="a1",
            kind="engagement_compliance",
            scope="t1",
            severity="warning",
            message="engagement compliance 50% (minimum 80%)",
            window="2026120612",
            recipients=("ops@example.test", "lead@example.test"),
        )
    ]
    result = await run_cycle(temporal_client, fake, "delivers_alerts")
    assert result.status == "completed"
    assert sorted(s.idempotency_key for s in fake.sent) == [
        "alert:a1:lead@example.test",
        "alert:a1:ops@example.test",
    ]
    assert all("engagement compliance 50%" in s.body and s.tenant_id == "t1" for s in fake.sent)
    assert fake.notified == ["a1"]


async def test_alerts_read_by_reflect_are_delivered_without_an_alert_notices_step(
    temporal_client: Client, fake: Fake
) -> None:
    """Issue 17: reflect returns the undelivered alerts (patch cycle-reflect-reads-alerts); the
    cycle delivers them with no ``alert_notices`` round trip, and with none at all when empty."""
    fake.reflect_reads_alerts = True
    fake.alerts = [
        AlertNotice(
            id="a2",
            kind="policy_blocks",
            scope="t1",
            severity="warning",
            message="12 policy blocks this hour",
            window="2026120612",
            recipients=("ops@example.test",),
        )
    ]
    result = await run_cycle(temporal_client, fake, "reflect_reads_alerts")
    assert result.status == "completed"
    assert [s.idempotency_key for s in fake.sent] == ["alert:a2:ops@example.test"]
    assert fake.notified == ["a2"] and fake.notice_reads == 0
    fake.alerts = []
    again = await run_cycle(temporal_client, fake, "reflect_reads_no_alert", tenant="t2")
    assert again.status == "completed" and fake.notice_reads == 0 and fake.notified == ["a2"]


async def test_react_and_reflect_close_a_run_in_one_step_and_a_failed_one_falls_back_to_reflect(
    temporal_client: Client, fake: Fake
) -> None:
    """Issue 17 (patch cycle-react-reflect-merged): React and Reflect are one local activity, one
    transaction; Reflect gets React's summary. When that step fails, the run is recorded failed
    by ``reflect`` alone and the workflow fails, as when ``react`` failed before the merge."""
    fake.plan_in_context = True
    fake.actions = [act(ActionKind.PROCESS_ORDER, "o1")]
    result = await run_cycle(temporal_client, fake, "merged")
    assert (result.status, result.executed) == ("completed", 1)
    assert fake.calls == ["start_run", "gather_context", "guard:k-o1", "perform:k-o1", "react_and_reflect"]
    [r] = fake.reflected
    assert (r.status, r.executed, r.react) == ("completed", 1, ReactSummary(replies=1))
    fake.fail_close, fake.calls, fake.reflected = True, [], []
    with pytest.raises(WorkflowFailureError) as err:
        await run_cycle(temporal_client, fake, "merged_step_fails", tenant="t2")
    assert "cycle failed" in str(err.value.cause) and fake.calls[-1] == "react_and_reflect"
    [r] = fake.reflected
    assert r.status == "failed" and "database rejected the write" in (r.error or "") and r.react is None


def local_steps(history: WorkflowHistory) -> list[str]:
    """The activity type of each local activity marker, in order."""
    steps = []
    for e in history.events:
        if e.HasField("marker_recorded_event_attributes"):
            data = e.marker_recorded_event_attributes.details.get("data")
            if data is not None and data.payloads:
                steps.append(json.loads(data.payloads[0].data).get("activity_type", ""))
    return [s for s in steps if s]


async def test_the_run_start_and_the_context_are_one_step_and_agent_actions_are_guarded_and_performed_in_one(
    temporal_client: Client, fake: Fake
) -> None:
    """Issue 17 (patches cycle-begin-merged, cycle-guard-perform-merged,
    cycle-email-outcome-carried): ``begin_cycle`` claims the run and reads the context in one
    local activity; an order is guarded and validated by one ``guard_and_perform``; an email still
    passes ``guard_action`` alone, then the outbox, and its outcome is recorded by the next step,
    before that step's own work. A failed ``begin_cycle`` falls back to ``start_run`` and the run
    is reflected as failed. (Histories ``--merged_steps``/``--begin_fails``: before the carry.)"""
    fake.plan_in_context = True
    fake.actions = [
        act(ActionKind.PROCESS_ORDER, "o1"),
        act(ActionKind.SEND_EMAIL, "c1", to_email="c1@example.test", subject="Hi", body="Hello"),
        act(ActionKind.CREATE_TASK, "x"),
    ]
    fake.verdicts = {"k-x": "block"}
    result = await run_cycle(temporal_client, fake, "carried")
    assert (result.status, result.executed, result.blocked) == ("completed", 2, 1)
    assert fake.calls == [
        "start_run",
        "gather_context",
        "guard:k-o1",
        "perform:k-o1",
        "guard:k-c1",
        "email:k-c1:sent",
        "guard:k-x",
        "react_and_reflect",
    ]
    history = await temporal_client.get_workflow_handle(result.run_id).fetch_history()
    assert local_steps(history) == [  # the email's outcome is recorded by the next guard's step
        "begin_cycle",
        "guard_and_perform",
        "guard_action",
        "guard_and_perform",
        "react_and_reflect",
    ]
    fake.fail_gather, fake.calls, fake.reflected = True, [], []
    with pytest.raises(WorkflowFailureError) as err:
        await run_cycle(temporal_client, fake, "begin_fails", tenant="t2")
    assert "cycle failed" in str(err.value.cause)
    assert fake.calls == ["start_run", "gather_context", "start_run"]
    [r] = fake.reflected
    assert r.status == "failed" and "database rejected the read" in (r.error or "")


async def test_the_last_emails_outcome_is_recorded_by_the_closing_step(
    temporal_client: Client, fake: Fake
) -> None:
    """Under cycle-email-outcome-carried an email that is the last action has its outcome recorded
    by ``react_and_reflect`` first; when that step fails, by the fallback ``reflect``."""
    fake.plan_in_context = True
    fake.actions = [act(ActionKind.SEND_EMAIL, "c1", to_email="c1@example.test", subject="Hi", body="Hello")]
    result = await run_cycle(temporal_client, fake, "last_email")
    assert (result.status, result.executed) == ("completed", 1)
    assert fake.calls[-3:] == ["guard:k-c1", "email:k-c1:sent", "react_and_reflect"]
    fake.fail_close, fake.calls, fake.reflected = True, [], []
    with pytest.raises(WorkflowFailureError):
        await run_cycle(temporal_client, fake, "last_email_close_fails", tenant="t2")
    assert fake.calls[-3:] == ["email:k-c1:sent", "react_and_reflect", "email:k-c1:sent"]
    [r] = fake.reflected
    assert r.status == "failed" and r.pending_email is not None and r.pending_email.status == "sent"
