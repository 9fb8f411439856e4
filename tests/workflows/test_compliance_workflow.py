"""The compliance workflows (seed 004 P1.7) on Temporal's time-skipping test server: days pass
instantly while they wait on durable timers. Stand-in activities under the real names (the local
DB steps and the messaging queue's ``send_email``) record what they were asked; each DB step's
input carries the workflow's ``now`` (``at``), so the tests assert *when* each step happened.
The DB paths run for real in tests/integration/test_compliance_api.py."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from core import search_attributes as sa
from tests.histories import record
from workers.sandbox import workflow_runner
from workflows.common import FollowUpState
from workflows.email import SendEmailInput, SendEmailResult
from workflows.followups.compliance import WORKFLOWS, ComplianceCheckWorkflow, ComplianceRunWorkflow
from workflows.followups.compliance_models import (
    CloseInput,
    CloseResult,
    ComplianceCheckInput,
    ComplianceCheckResult,
    ComplianceRunInput,
    EscalateInput,
    EscalateResult,
    GenerateChecksInput,
    GenerateChecksResult,
    GeneratedCheck,
    MarkInput,
    ValidateInput,
    ValidateResult,
)
from workflows.followups.compliance_rules import check_id, reminder_key
from workflows.ids import compliance_check_workflow_id

TENANT = "t-compliance"
SLACK = timedelta(minutes=1)


@dataclass
class Fake:
    queue: str
    entities: list[str] = field(default_factory=list)
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)  # check id -> missing fields
    emails: dict[str, str | None] = field(default_factory=dict)  # check id -> address at validation
    generated: list[GenerateChecksInput] = field(default_factory=list)
    validated: list[ValidateInput] = field(default_factory=list)
    marked: list[MarkInput] = field(default_factory=list)
    escalated: list[EscalateInput] = field(default_factory=list)
    closed: list[CloseInput] = field(default_factory=list)
    sent: list[SendEmailInput] = field(default_factory=list)

    def activities(self) -> list[Any]:
        @activity.defn(name="generate_compliance_checks")
        async def generate(inp: GenerateChecksInput) -> GenerateChecksResult:
            self.generated.append(inp)
            later = sorted(e for e in self.entities if e > inp.after)
            page = later[: inp.limit]
            return GenerateChecksResult(
                notify_days_before=14,
                escalate_after_days=7,
                required_fields=("email", "title"),
                checks=tuple(
                    GeneratedCheck(
                        check_id=check_id(inp.schedule_id, e, inp.run_date),
                        entity_type="contact",
                        entity_id=e,
                        due_at=inp.at + timedelta(days=30),
                        to_email=f"{e}@example.test",
                    )
                    for e in page
                ),
                created=len(page),
                next_after=page[-1] if len(later) > inp.limit else None,
            )

        @activity.defn(name="validate_compliance_check")
        async def validate(inp: ValidateInput) -> ValidateResult:
            self.validated.append(inp)
            return ValidateResult(
                missing_fields=self.missing.get(inp.check_id, ()),
                entity_name="Pat Lee",
                entity_type="contact",
                to_email=self.emails.get(inp.check_id, f"{inp.check_id}@example.test"),
            )

        @activity.defn(name="mark_compliance_check")
        async def mark(inp: MarkInput) -> bool:
            self.marked.append(inp)
            return True

        @activity.defn(name="escalate_compliance_check")
        async def escalate(inp: EscalateInput) -> EscalateResult:
            self.escalated.append(inp)
            return EscalateResult(
                task_id="task-1", action_key=f"compliance:{inp.check_id}:escalate", created=True
            )

        @activity.defn(name="close_compliance_check")
        async def close(inp: CloseInput) -> CloseResult:
            self.closed.append(inp)
            return CloseResult(status=inp.outcome, changed=True)

        @activity.defn(name="send_email")
        async def send_email(inp: SendEmailInput) -> SendEmailResult:
            self.sent.append(inp)
            return SendEmailResult(status="sent", message_id=f"<{inp.idempotency_key}@t>", attempts=1)

        return [generate, validate, mark, escalate, close, send_email]


@pytest.fixture
def fake() -> Fake:
    return Fake(queue=f"test-compliance-{uuid.uuid4()}")


def worker(client: Client, fake: Fake) -> Worker:
    return Worker(
        client,
        task_queue=fake.queue,
        workflows=WORKFLOWS,
        activities=fake.activities(),
        workflow_runner=workflow_runner(),
    )


async def until(cond: Callable[[], Any], timeout: float = 15) -> Any:
    """Real-time wait for a stand-in's record (the workflow may still be finishing a task)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if v := cond():
            return v
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def state(handle: WorkflowHandle[Any, Any], status: str | None = None) -> FollowUpState:
    """The ``status`` query, polled until it shows ``status`` (if given)."""
    deadline = time.monotonic() + 15
    while True:
        s = await handle.query("status", result_type=FollowUpState)
        if status is None or s.status == status or time.monotonic() > deadline:
            return s
        await asyncio.sleep(0.05)


async def start_check(
    client: Client, fake: Fake, check: str, due_at: datetime, to_email: str | None = "pat@example.test"
) -> WorkflowHandle[Any, ComplianceCheckResult]:
    return await client.start_workflow(
        ComplianceCheckWorkflow.run,
        ComplianceCheckInput(
            tenant_id=TENANT,
            check_id=check,
            due_at=due_at,
            notify_days_before=14,
            escalate_after_days=7,
            to_email=to_email,
            messaging_queue=fake.queue,
            required_fields=("email", "title"),
        ),
        id=compliance_check_workflow_id(TENANT, f"{check}-{uuid.uuid4().hex[:6]}"),
        task_queue=fake.queue,
    )


def near(actual: datetime, expected: datetime) -> bool:
    return expected - timedelta(seconds=1) <= actual <= expected + SLACK


async def test_a_run_generates_one_check_per_target_and_starts_their_workflows(
    temporal_client: Client, fake: Fake
) -> None:
    """(a) Three contacts, pages of two: two generate pages (continue-as-new between them), three
    check workflows started (ABANDON, not waited for); the same run again starts none.

    On the dev server: the time-skipping server keeps time locked for good once a child of a
    closed parent completes (it fails to notify the parent), which would stall every later test."""
    client = temporal_client
    fake.entities = ["e1", "e2", "e3"]
    sched = f"s{uuid.uuid4().hex[:8]}"
    at = datetime.now(UTC)
    inp = ComplianceRunInput(
        tenant_id=TENANT, schedule_id=sched, messaging_queue=fake.queue, page_size=2, scheduled_at=at
    )
    async with worker(client, fake):
        h = await client.start_workflow(
            ComplianceRunWorkflow.run, inp, id=f"compliance-run-{uuid.uuid4().hex[:8]}", task_queue=fake.queue
        )
        result = await h.result()
        first = client.get_workflow_handle(h.id, run_id=h.first_execution_run_id)
        await record(first, "first_page")
        await record(h, "last_page")
        again = await client.execute_workflow(
            ComplianceRunWorkflow.run, inp, id=f"compliance-run-{uuid.uuid4().hex[:8]}", task_queue=fake.queue
        )
        run_date = at.strftime("%Y%m%d")
        checks = [check_id(sched, e, run_date) for e in fake.entities]
        children = [
            client.get_workflow_handle(
                compliance_check_workflow_id(TENANT, c), result_type=ComplianceCheckResult
            )
            for c in checks
        ]
        states = [await state(c, "pending") for c in children]
        desc = await children[0].describe()
        for c in children:
            await c.signal("waive", "test over")
        outcomes = [await c.result() for c in children]
        await record(children[0], "waived_check")
    assert (result.status, result.generated, result.created, result.started, result.pages) == (
        "completed",
        3,
        3,
        3,
        2,
    )
    assert [g.after for g in fake.generated[:2]] == ["", "e2"] and result.run_date == run_date
    assert (again.started, again.already_started) == (0, 3)  # a retried run starts no duplicate
    assert all(s.status == "pending" and s.next_wake_at is not None for s in states)
    assert states[0].next_wake_at == at + timedelta(days=30 - 14)
    assert desc.typed_search_attributes.get(sa.KIND) == "compliance_check"
    assert desc.typed_search_attributes.get(sa.TENANT_ID) == TENANT
    assert [o.status for o in outcomes] == ["waived"] * 3


async def test_a_reminder_is_sent_only_when_fields_are_missing(time_env: Any, fake: Fake) -> None:
    """(b) Three checks enter their window together: a complete entity gets no email, one missing
    its title gets exactly one (key ``compliance:{check}:reminder``), one missing its email has no
    address to send to."""
    client: Client = time_env.client
    ok, miss, noaddr = (f"{n}-{uuid.uuid4().hex[:6]}" for n in ("ok", "miss", "noaddr"))
    fake.missing = {miss: ("title",), noaddr: ("email",)}
    fake.emails = {noaddr: None}
    now = await time_env.get_current_time()
    due = now + timedelta(days=20)
    async with worker(client, fake):
        handles = {
            c: await start_check(client, fake, c, due, None if c == noaddr else "x@example.test")
            for c in (ok, miss, noaddr)
        }
        await time_env.sleep(timedelta(days=7))
        await until(lambda: len(fake.validated) == 3 and any(m.reminders == 1 for m in fake.marked))
        states = {c: await state(h, "notified") for c, h in handles.items()}
        for h in handles.values():
            await h.signal("complete", "alice")
        results = {c: await h.result() for c, h in handles.items()}
        await record(handles[ok], "complete_entity")
        await record(handles[miss], "missing_field")
    [email] = fake.sent
    assert email.idempotency_key == reminder_key(miss) == f"compliance:{miss}:reminder"
    assert email.to_email == f"{miss}@example.test" and "title" in email.body
    assert email.cite is not None and email.cite.query == "compliance title"  # issue 14 Build 6
    assert set(email.cite.categories) == {"sop", "contract"}
    assert [(m.check_id, m.reminders) for m in fake.marked] == [(miss, 1)]
    assert all(near(v.at, due - timedelta(days=14)) for v in fake.validated)
    assert {c: s.status for c, s in states.items()} == dict.fromkeys((ok, miss, noaddr), "notified")
    assert states[miss].next_wake_at == due and states[miss].detail["missing_fields"] == "title"
    assert (results[ok].reminders, results[miss].reminders, results[noaddr].reminders) == (0, 1, 0)
    assert results[miss].missing_fields == ("title",) and results[miss].status == "completed"


async def test_escalation_happens_exactly_escalate_after_days_after_the_due_date(
    time_env: Any, fake: Fake
) -> None:
    """(c) notified at due − 14 d, overdue at the due date, escalated (the manager's task) at
    due + 7 d and not a moment before; then it still waits for completion."""
    client: Client = time_env.client
    cid = f"esc-{uuid.uuid4().hex[:6]}"
    fake.missing = {cid: ("title",)}
    now = await time_env.get_current_time()
    due = now + timedelta(days=20)
    async with worker(client, fake):
        h = await start_check(client, fake, cid, due)
        await time_env.sleep(timedelta(days=26, hours=23))
        overdue = await state(h, "overdue")
        assert fake.escalated == []
        await time_env.sleep(timedelta(hours=2))
        [esc] = await until(lambda: fake.escalated)
        escalated = await state(h, "escalated")
        desc = await h.describe()
        await h.signal("complete", "manager")
        result = await h.result()
        await record(h)
    assert near(fake.validated[0].at, due - timedelta(days=14))
    [overdue_mark] = [m for m in fake.marked if m.status == "overdue"]
    assert near(overdue_mark.at, due)
    assert near(esc.at, due + timedelta(days=7)) and esc.due_at == due and esc.missing_fields == ("title",)
    assert overdue.next_wake_at == due + timedelta(days=7)
    assert escalated.next_wake_at is None and escalated.waiting_for == "complete or waive"
    assert desc.typed_search_attributes.get(sa.STATUS) == "escalated"
    assert (result.status, result.by, result.escalated, result.reminders) == ("completed", "manager", True, 1)
    assert fake.closed[0].outcome == "completed" and fake.closed[0].by == "manager"


async def test_waive_with_a_reason_ends_the_check_before_its_reminder(time_env: Any, fake: Fake) -> None:
    """(d) A blank waiver is ignored; a waiver with a reason ends the check at once: no
    validation, no email, the reason recorded."""
    client: Client = time_env.client
    cid = f"waive-{uuid.uuid4().hex[:6]}"
    fake.missing = {cid: ("title",)}
    now = await time_env.get_current_time()
    async with worker(client, fake):
        h = await start_check(client, fake, cid, now + timedelta(days=30))
        await state(h, "pending")
        await h.signal("waive", "   ")
        still = await state(h)
        await h.signal("waive", "client closed the account")
        result = await h.result()
        await record(h)
    assert still.status == "pending"
    assert (result.status, result.reason, result.reminders) == ("waived", "client closed the account", 0)
    [c] = fake.closed
    assert (c.outcome, c.reason, c.check_id) == ("waived", "client closed the account", cid)
    assert near(c.at, now) and result.ended_at < now + timedelta(days=1)
    assert fake.validated == [] and fake.sent == [] and fake.escalated == []


async def test_complete_ends_the_check_before_escalation(time_env: Any, fake: Fake) -> None:
    """(d) Completed after its reminder but before the due date: no overdue, no escalation."""
    client: Client = time_env.client
    cid = f"done-{uuid.uuid4().hex[:6]}"
    fake.missing = {cid: ("title",)}
    now = await time_env.get_current_time()
    due = now + timedelta(days=20)
    async with worker(client, fake):
        h = await start_check(client, fake, cid, due)
        await time_env.sleep(timedelta(days=8))
        await until(lambda: fake.sent)
        await h.signal("complete", "bob")
        result = await h.result()
        await record(h)
    assert (result.status, result.by, result.reminders, result.escalated) == ("completed", "bob", 1, False)
    assert result.ended_at < due
    assert [m.status for m in fake.marked if m.status] == [] and fake.escalated == []
    [c] = fake.closed
    assert (c.outcome, c.by) == ("completed", "bob") and c.at < due


async def test_the_status_query_shows_the_state_and_the_next_wake_up(time_env: Any, fake: Fake) -> None:
    """(e) ``status``: kind, status, next_wake_at and waiting_for at each stage; the Status search
    attribute follows."""
    client: Client = time_env.client
    cid = f"q-{uuid.uuid4().hex[:6]}"
    now = await time_env.get_current_time()
    due = now + timedelta(days=20)
    async with worker(client, fake):
        h = await start_check(client, fake, cid, due)
        pending = await state(h, "pending")
        pending_sa = (await h.describe()).typed_search_attributes
        await time_env.sleep(timedelta(days=7))
        notified = await state(h, "notified")
        notified_sa = (await h.describe()).typed_search_attributes
        await h.signal("waive", "duplicate")
        await h.result()
        ended = await state(h)
    assert (pending.kind, pending.status) == ("compliance_check", "pending")
    assert pending.next_wake_at == due - timedelta(days=14)
    assert "notification window" in (pending.waiting_for or "")
    assert pending.detail["check_id"] == cid and pending.detail["due_at"] == due.isoformat()
    assert pending_sa.get(sa.STATUS) == "pending" and pending_sa.get(sa.TENANT_ID) == TENANT
    assert notified.next_wake_at == due and "due date" in (notified.waiting_for or "")
    assert notified_sa.get(sa.STATUS) == "notified"
    assert (ended.status, ended.next_wake_at, ended.waiting_for) == ("waived", None, None)
