"""Feedback, quote and deal workflows on Temporal's time-skipping test server: days pass
instantly. Stand-in activities under the real names record what the workflow did and when (the
workflow's own clock, carried in each input's ``at``, or the test server's clock for emails)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.histories import record
from workers.sandbox import workflow_runner
from workflows.citations import CiteRequest
from workflows.email import SendEmailInput, SendEmailResult
from workflows.followups.deal import DealWorkflow
from workflows.followups.feedback import FeedbackWorkflow
from workflows.followups.models import (
    DAY,
    CaseInput,
    DealActivity,
    DealInput,
    DealUpdate,
    FeedbackInput,
    FeedbackRecord,
    OrderRef,
    QuoteDecision,
    QuoteEvent,
    QuoteInput,
    QuoteReply,
    Sentiment,
    SentimentInput,
    StageRule,
)
from workflows.followups.quote import QuoteWorkflow
from workflows.followups.rules import keyword_sentiment
from workflows.registry import WORKFLOWS


@dataclass
class Fake:
    env: WorkflowEnvironment
    queue: str = field(default_factory=lambda: f"fu-{uuid.uuid4().hex[:8]}")
    case_open_until: datetime | None = None
    sent: list[tuple[datetime, str]] = field(default_factory=list)  # (server time, key)
    bodies: list[str] = field(default_factory=list)
    cites: list[CiteRequest | None] = field(default_factory=list)
    feedback: list[FeedbackRecord] = field(default_factory=list)
    cases: list[CaseInput] = field(default_factory=list)
    quote_events: list[QuoteEvent] = field(default_factory=list)
    deal_updates: list[DealUpdate] = field(default_factory=list)

    def activities(self) -> list:  # type: ignore[type-arg]
        @activity.defn(name="send_email")
        async def send_email(inp: SendEmailInput) -> SendEmailResult:
            self.sent.append((await self.env.get_current_time(), inp.idempotency_key))
            self.bodies.append(inp.body)
            self.cites.append(inp.cite)
            return SendEmailResult(status="sent", message_id=f"<{inp.idempotency_key}>", attempts=1)

        @activity.defn(name="record_feedback")
        async def record_feedback(r: FeedbackRecord) -> None:
            self.feedback.append(r)

        @activity.defn(name="open_case_for_order")
        async def open_case_for_order(_: OrderRef) -> str:
            now = await self.env.get_current_time()
            return "case-1" if self.case_open_until and now < self.case_open_until else ""

        @activity.defn(name="open_case")
        async def open_case(c: CaseInput) -> str:
            self.cases.append(c)
            return "case-2"

        @activity.defn(name="analyze_sentiment")
        async def analyze_sentiment(inp: SentimentInput) -> Sentiment:
            return Sentiment(label=keyword_sentiment(inp.text), source="keywords")  # type: ignore[arg-type]

        @activity.defn(name="record_quote_event")
        async def record_quote_event(e: QuoteEvent) -> None:
            self.quote_events.append(e)

        @activity.defn(name="record_deal")
        async def record_deal(u: DealUpdate) -> None:
            self.deal_updates.append(u)

        return [
            send_email,
            record_feedback,
            open_case_for_order,
            open_case,
            analyze_sentiment,
            record_quote_event,
            record_deal,
        ]


@pytest.fixture
async def fake(time_env: WorkflowEnvironment):  # type: ignore[no-untyped-def]
    f = Fake(env=time_env)
    async with Worker(
        time_env.client,
        task_queue=f.queue,
        workflows=WORKFLOWS,
        activities=f.activities(),
        workflow_runner=workflow_runner(),
    ):
        yield f


def days(a: datetime, b: datetime) -> float:
    return round((b - a).total_seconds() / DAY, 3)


async def wait_for(pred, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(200):
        if pred():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# --- feedback ----------------------------------------------------------------------------------


async def start_feedback(fake: Fake, **kw: object):  # type: ignore[no-untyped-def]
    t0 = await fake.env.get_current_time()
    inp = FeedbackInput(
        tenant_id="t",
        order_id="o1",
        delivered_at=t0,
        to_email="c@example.test",
        messaging_queue=fake.queue,
        **kw,
    )  # type: ignore[arg-type]
    handle = await fake.env.client.start_workflow(
        FeedbackWorkflow.run, inp, id=f"feedback-{uuid.uuid4().hex[:8]}", task_queue=fake.queue
    )
    return t0, handle


async def test_feedback_is_sent_exactly_on_day_7_and_a_positive_reply_is_stored(fake: Fake) -> None:
    t0, handle = await start_feedback(fake)
    await fake.env.sleep(timedelta(days=7, minutes=1))
    await wait_for(lambda: fake.sent, "the feedback email")
    assert [(days(t0, at), key) for at, key in fake.sent] == [(7.0, "t:feedback:o1")]
    state = await handle.query(FeedbackWorkflow.status)
    assert state.status == "sent" and state.next_wake_at is not None
    assert days(t0, state.next_wake_at) == pytest.approx(21.0, abs=0.01)  # 14-day response window
    await handle.signal(FeedbackWorkflow.respond, "Great job, thank you!")
    result = await handle.result()
    await record(handle)
    assert (result.status, result.sentiment, result.case_id) == ("responded", "positive", None)
    assert [r.status for r in fake.feedback] == ["scheduled", "sent", "responded"]
    assert fake.cases == []


async def test_an_open_case_delays_the_request_until_it_closes(fake: Fake) -> None:
    t0 = await fake.env.get_current_time()
    fake.case_open_until = t0 + timedelta(days=9, hours=12)
    _, handle = await start_feedback(fake, response_window_s=2 * DAY)
    result = await handle.result()
    await record(handle)
    assert [days(t0, at) for at, _ in fake.sent] == [10.0]  # re-checked daily from day 7
    assert [r.status for r in fake.feedback].count("delayed") == 3
    assert result.status == "no_response"


async def test_a_case_that_stays_open_skips_the_request_and_says_why(fake: Fake) -> None:
    t0 = await fake.env.get_current_time()
    fake.case_open_until = t0 + timedelta(days=60)
    _, handle = await start_feedback(fake)
    result = await handle.result()
    await record(handle)
    assert result.status == "skipped" and "open case" in (result.reason or "")
    assert fake.sent == [] and fake.feedback[-1].status == "skipped"
    assert days(t0, fake.feedback[-1].at) == 14.0


async def test_a_negative_reply_opens_a_case_and_starts_service_recovery(fake: Fake) -> None:
    _, handle = await start_feedback(fake)
    await fake.env.sleep(timedelta(days=7, minutes=1))
    await wait_for(lambda: fake.sent, "the feedback email")
    await handle.signal(FeedbackWorkflow.respond, "Terrible, the report was late and wrong.")
    result = await handle.result()
    await record(handle)
    assert (result.status, result.sentiment, result.case_id) == ("responded", "negative", "case-2")
    assert [c.order_id for c in fake.cases] == ["o1"]
    assert [key for _, key in fake.sent] == ["t:feedback:o1", "t:service-recovery:o1"]
    # only the recovery email quotes the tenant's SOP, looked up by the client's own words
    assert fake.cites[0] is None and fake.cites[1] is not None
    assert fake.cites[1].categories == ("sop",) and fake.cites[1].query.startswith("Terrible, the report")


async def test_no_reply_times_out_cleanly(fake: Fake) -> None:
    t0, handle = await start_feedback(fake)
    result = await handle.result()
    await record(handle)
    assert result.status == "no_response" and "14 days" in (result.reason or "")
    assert days(t0, fake.feedback[-1].at) == 21.0


# --- quotes ------------------------------------------------------------------------------------


async def start_quote(fake: Fake, view_url: str | None = None):  # type: ignore[no-untyped-def]
    t0 = await fake.env.get_current_time()
    inp = QuoteInput(
        tenant_id="t",
        quote_id="q1",
        to_email="c@example.test",
        amount=1250.0,
        messaging_queue=fake.queue,
        view_url=view_url,
        title="Racking",
    )
    handle = await fake.env.client.start_workflow(
        QuoteWorkflow.run, inp, id=f"quote-{uuid.uuid4().hex[:8]}", task_queue=fake.queue
    )
    return t0, handle


async def test_a_quote_gets_exactly_4_follow_ups_3_days_apart_then_expires(fake: Fake) -> None:
    t0, handle = await start_quote(fake)
    result = await handle.result()
    await record(handle)
    assert (result.status, result.follow_ups) == ("expired", 4)
    assert [(days(t0, at), key.rsplit(":", 2)[-2:]) for at, key in fake.sent] == [
        (0.0, ["q1", "sent"]),
        (3.0, ["follow-up", "1"]),
        (6.0, ["follow-up", "2"]),
        (9.0, ["follow-up", "3"]),
        (12.0, ["follow-up", "4"]),
    ]
    assert [e.kind for e in fake.quote_events][-1] == "expired"
    assert days(t0, fake.quote_events[-1].at) == 15.0
    # issue 14 Build 6: the quote goes out as is; each follow-up quotes a bid template
    assert fake.cites[0] is None
    assert [(c.categories, c.query) for c in fake.cites[1:] if c] == [
        (("bid_template",), "Racking pricing terms")
    ] * 4


async def test_the_quote_email_and_every_follow_up_carry_the_tracked_link(fake: Fake) -> None:
    """Issue 12, Build 5: the link the API gave the workflow, on its own line in all 5 emails."""
    link = "http://api.example.test/t/q/tok-123"
    _, handle = await start_quote(fake, link)
    assert (await handle.result()).status == "expired"
    await record(handle)
    assert len(fake.bodies) == 5
    assert all(b.endswith(f"\n\nView your quote: {link}") for b in fake.bodies), fake.bodies


async def test_accepted_after_the_2nd_follow_up_stops_follow_ups_and_records_the_win(fake: Fake) -> None:
    t0, handle = await start_quote(fake)
    await fake.env.sleep(timedelta(days=6, hours=1))
    await wait_for(lambda: len(fake.sent) == 3, "two follow-ups")
    await handle.signal(QuoteWorkflow.viewed)
    await handle.signal(QuoteWorkflow.decide, QuoteDecision(outcome="accepted"))
    result = await handle.result()
    await record(handle)
    assert (result.status, result.follow_ups) == ("accepted", 2)
    assert len(fake.sent) == 3  # nothing more went out before it ended (an ended workflow sends nothing)
    assert [e.kind for e in fake.quote_events] == ["sent", "follow_up", "follow_up", "viewed", "accepted"]


async def test_rejected_with_a_reason_records_the_loss_and_the_reason(fake: Fake) -> None:
    _, handle = await start_quote(fake)
    await wait_for(lambda: fake.sent, "the quote email")
    await handle.signal(QuoteWorkflow.decide, QuoteDecision(outcome="rejected", reason="price too high"))
    result = await handle.result()
    await record(handle)
    assert (result.status, result.reason, result.follow_ups) == ("rejected", "price too high", 0)
    last = fake.quote_events[-1]
    assert (last.kind, last.status, last.reason) == ("rejected", "rejected", "price too high")


async def test_a_client_reply_is_recorded_once_and_stops_the_follow_ups(fake: Fake) -> None:
    """Issue 13 Build 5: the inbox routes a reply to a quote email as ``replied``; the quote
    records it once, sends no more follow-ups, and still expires on its usual day without a decision."""
    t0, handle = await start_quote(fake)
    await fake.env.sleep(timedelta(days=3, hours=1))
    await wait_for(lambda: len(fake.sent) == 2, "the first follow-up")
    reply = QuoteReply(inbound_message_id="in-1", kind="client_request")
    await handle.signal(QuoteWorkflow.replied, reply)
    await handle.signal(QuoteWorkflow.replied, reply.model_copy(update={"inbound_message_id": "in-2"}))
    result = await handle.result()
    await record(handle)
    assert (result.status, result.follow_ups) == ("expired", 1)
    assert len(fake.sent) == 2
    kinds = [e.kind for e in fake.quote_events]
    assert kinds == ["sent", "follow_up", "replied", "expired"]
    replied = fake.quote_events[2]
    assert replied.reason == "client_request:in-1" and 3.0 < days(t0, replied.at) < 3.1
    assert days(t0, fake.quote_events[-1].at) == 15.0


# --- deals -------------------------------------------------------------------------------------


async def start_deal(fake: Fake):  # type: ignore[no-untyped-def]
    t0 = await fake.env.get_current_time()
    inp = DealInput(
        tenant_id="t",
        deal_id="d1",
        stage="proposal",
        to_email="c@example.test",
        last_activity_at=t0,
        stage_entered_at=t0,
        rules={"proposal": StageRule(stalled_after_s=7 * DAY, follow_up_every_s=3 * DAY)},
        title="Acme rollout",
        messaging_queue=fake.queue,
    )
    handle = await fake.env.client.start_workflow(
        DealWorkflow.run, inp, id=f"deal-{uuid.uuid4().hex[:8]}", task_queue=fake.queue
    )
    return t0, handle


async def test_a_deal_goes_stalled_past_its_threshold_and_escalates_after_3_follow_ups(fake: Fake) -> None:
    t0, handle = await start_deal(fake)
    await fake.env.sleep(timedelta(days=16, hours=1))
    await wait_for(lambda: len(fake.sent) == 4, "four follow-ups")
    stalled = [u for u in fake.deal_updates if u.stalled]
    assert [days(t0, u.at) for u in stalled] == [7.0]
    follow_ups = [u for u in fake.deal_updates if u.follow_up_count]
    assert [(days(t0, u.at), u.follow_up_count, u.priority) for u in follow_ups] == [
        (7.0, 1, "normal"),
        (10.0, 2, "normal"),
        (13.0, 3, "normal"),
        (16.0, 4, "high"),
    ]
    assert (await handle.query(DealWorkflow.status)).status == "stalled"
    await handle.signal(DealWorkflow.close, {"outcome": "lost", "reason": "went quiet"})
    assert (await handle.result()).status == "lost"
    await record(handle)


async def test_activity_clears_stalled_and_restarts_the_clock(fake: Fake) -> None:
    t0, handle = await start_deal(fake)
    await fake.env.sleep(timedelta(days=8))
    await wait_for(lambda: len(fake.sent) == 1, "the first follow-up")
    await handle.signal(DealWorkflow.record_activity, DealActivity(kind="call"))
    await wait_for(lambda: any(u.stalled is False for u in fake.deal_updates), "stalled cleared")
    cleared = next(u for u in fake.deal_updates if u.stalled is False)
    assert (cleared.follow_up_count, cleared.priority) == (0, "normal")
    state = await handle.query(DealWorkflow.status)
    assert state.status == "open" and days(t0, state.next_wake_at) == pytest.approx(15.0, abs=0.01)  # type: ignore[arg-type]
    await handle.signal(DealWorkflow.change_stage, {"stage": "negotiation"})
    await handle.signal(DealWorkflow.close, {"outcome": "won"})
    assert (await handle.result()).status == "won"
    await record(handle)
    stage = next(u for u in fake.deal_updates if u.stage == "negotiation")
    assert stage.from_stage == "proposal" and stage.stage_duration_s == pytest.approx(8 * DAY, abs=120)
