"""The hourly cycle end to end: real Temporal, Postgres, SMTP server and workers (issue 4)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from core import queues
from core.settings import get_settings
from core.temporal import connect
from devstack.stack import Stack
from schema.agent import (
    AgentRun,
    AgentRunAction,
    AgentTask,
    DeferredAction,
    EmailSuppression,
    EngagementClock,
    FollowUpOwner,
    HourlyReflection,
    OutboxEmail,
    PolicyViolation,
)
from schema.business import Contact, Deal, InboundMessage, Order, Quote
from schema.followups import DealStageConfig
from schema.order_review import OrderException, OrderProcessing
from tests.integration.cycle_helpers import (
    LONG_AGO,
    account,
    add,
    contact,
    cycle_input,
    enable,
    good_order,
    mail_to,
    now_hour,
    one,
    product,
    rows,
    run_cycle,
    set_row,
    wait_for,
)
from workflows import ids
from workflows.cycle.hours import next_hour
from workflows.cycle.messages import CycleInput, TenantRef
from workflows.cycle.triggers import ScheduledCycleWorkflow
from workflows.cycle.workflow import TenantCycleWorkflow
from workflows.followups.deal import DealWorkflow
from workflows.followups.inputs import quote_view_url
from workflows.followups.models import DealInput, QuoteInput, StageRule
from workflows.followups.quote import QuoteWorkflow
from workflows.ids import cycle_trigger_workflow_id, cycle_workflow_id, deal_workflow_id, quote_workflow_id


@pytest.fixture
async def client(agent_stack: Stack, peer: object) -> Client:
    """With the Messages-API peer unscripted, the AI planner fails fast and the rules plan."""
    return await connect(scoping=ids)


def addr(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.test"


def recent_contact(tenant: str, email: str) -> Contact:
    """A contact created now: inside its 21-day window, so the cycle sends it no touch."""
    c = Contact(tenant_id=tenant, email=email, name="Robin Buyer", created_at=datetime.now(UTC))
    add(c)
    return c


async def test_a_cycle_runs_all_four_phases_and_writes_its_run_and_reflection(
    client: Client, agent_stack: Stack, tenant: str
) -> None:
    enable(tenant)
    acct = account(tenant)
    product(tenant)
    pat = contact(tenant, addr("pat"), client_id=acct.id)
    order = good_order(tenant, acct.id)
    bounced = addr("gone")
    add(
        InboundMessage(
            tenant_id=tenant,
            message_id=f"<{uuid.uuid4()}@c>",
            from_email=pat.email or "",
            subject="Re: hello",
            body="Can you call me Thursday about the new order?",
            kind="reply",
            contact_id=pat.id,
        ),
        InboundMessage(
            tenant_id=tenant,
            message_id=f"<{uuid.uuid4()}@m>",
            from_email="mailer-daemon@example.test",
            subject="Undeliverable",
            body="",
            kind="bounce",
            related={"recipient": bounced},
        ),
    )

    result = await run_cycle(client, tenant)

    assert result.status == "completed" and result.blocked == 0
    run = one(AgentRun, id=result.run_id)
    assert (run.status, run.phase, run.cycle_number) == ("completed", "done", 1)
    assert run.actions_executed == result.executed >= 3
    # Act: the order was validated, the explicit request became a task, the contact was emailed
    assert one(Order, id=order.id).processing_status == "validated"
    assert one(OrderProcessing, order_id=order.id).status == "validated"
    assert one(AgentTask, tenant_id=tenant).reason == "client_request"
    [msg] = mail_to(agent_stack, pat.email or "")
    assert msg["X-OmniOps-Tenant"] == tenant
    # React: the reply touched Pat's clock (compliant again); the bounce joined the suppression list
    assert one(EngagementClock, contact_id=pat.id).compliance_status == "compliant"
    assert one(EmailSuppression, tenant_id=tenant).email == bounced
    assert all(m.processed_at is not None for m in rows(InboundMessage, tenant_id=tenant))
    # Reflect
    refl = one(HourlyReflection, run_id=result.run_id)
    assert refl.what_changed["react"]["replies"] == 1 and refl.what_changed["react"]["bounces"] == 1
    assert "process_order:validated" in refl.what_changed["actions"]
    assert refl.blocked == []


async def test_two_starts_in_the_same_hour_produce_one_cycle(client: Client, tenant: str) -> None:
    enable(tenant)
    hour = now_hour()
    first = await run_cycle(client, tenant, hour)
    assert first.status == "completed"
    with pytest.raises(WorkflowAlreadyStartedError):
        await client.start_workflow(
            TenantCycleWorkflow.run,
            {"tenant_id": tenant, "hour": hour},
            id=cycle_workflow_id(tenant, hour),
            task_queue=queues.AGENT,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    # the schedule's trigger for the same hour finds the lock held and skips
    skipped = await client.execute_workflow(
        ScheduledCycleWorkflow.run,
        TenantRef(tenant_id=tenant),
        id=cycle_trigger_workflow_id(tenant),  # an id of ours: the codec refuses an unknown format
        task_queue=queues.AGENT,
    )
    assert skipped.status == "skipped" and "tenant lock" in (skipped.reason or "")
    assert [r.id for r in rows(AgentRun, tenant_id=tenant)] == [cycle_workflow_id(tenant, hour)]


async def test_the_rate_limit_defers_then_sends_next_hour(
    client: Client, agent_stack: Stack, tenant: str
) -> None:
    enable(tenant, max_emails_per_hour=1)
    a, b = contact(tenant, addr("a"), name="Ana"), contact(tenant, addr("b"), name="Bo")
    hour = now_hour()

    first = await run_cycle(client, tenant, hour)

    assert (first.executed, first.deferred) == (1, 1)
    sent_first = [c for c in (a, b) if mail_to(agent_stack, c.email or "")]
    assert len(sent_first) == 1
    waiting = one(DeferredAction, tenant_id=tenant)
    assert (waiting.status, waiting.not_before_hour) == ("pending", next_hour(hour))
    violation = one(PolicyViolation, tenant_id=tenant)
    assert (violation.rule, violation.blocked) == ("rate_limit", False)

    second = await run_cycle(client, tenant, next_hour(hour))

    assert second.executed >= 1 and second.deferred == 0
    assert len(mail_to(agent_stack, a.email or "")) == 1 and len(mail_to(agent_stack, b.email or "")) == 1
    assert one(DeferredAction, tenant_id=tenant).status == "done"


async def test_internal_only_never_sends_outside_the_allowlist(
    client: Client, agent_stack: Stack, tenant: str
) -> None:
    enable(tenant, email_mode="internal_only")
    inside = contact(tenant, addr("in"))
    outside = contact(tenant, f"out-{uuid.uuid4().hex[:8]}@outside.test")

    await run_cycle(client, tenant)

    assert len(mail_to(agent_stack, inside.email or "")) == 1
    assert mail_to(agent_stack, outside.email or "") == []
    blocked = one(OutboxEmail, to_email=outside.email)
    assert blocked.status == "blocked" and "allowlist" in (blocked.detail or "")
    assert one(PolicyViolation, action_key=blocked.idempotency_key).rule == "send_mode"


async def test_a_suppressed_address_is_never_sent_to(client: Client, agent_stack: Stack, tenant: str) -> None:
    enable(tenant)
    c = contact(tenant, addr("optout"))
    add(EmailSuppression(tenant_id=tenant, email=(c.email or "").lower(), reason="opt_out"))

    result = await run_cycle(client, tenant)

    assert result.blocked == 1
    assert mail_to(agent_stack, c.email or "") == []
    v = one(PolicyViolation, tenant_id=tenant)
    assert (v.rule, v.blocked, v.action_data["to_email"]) == ("suppression", True, c.email)
    assert "opt_out" in v.reason


async def test_the_order_processor_catches_each_class_of_bad_order(client: Client, tenant: str) -> None:
    enable(tenant)
    acct, broke, closed = account(tenant), account(tenant, credit_limit="100"), account(tenant, active=False)
    product(tenant)
    orders = {
        "ok": good_order(tenant, acct.id),
        "fee_not_positive": good_order(tenant, acct.id, fee_amount=Decimal("0")),
        "fee_differs_from_catalog": good_order(
            tenant, acct.id, fee_amount=Decimal("900"), total_amount=Decimal("925")
        ),
        "unknown_product": good_order(tenant, acct.id, product_code="NOPE"),
        "client_inactive": good_order(tenant, closed.id),
        "credit_limit_exceeded": good_order(tenant, broke.id),
        "missing_property_address": good_order(tenant, acct.id, property_address=None),
        "missing_borrower_contact": good_order(tenant, acct.id, borrower_email=None, borrower_phone=None),
        "missing_property_contact": good_order(tenant, acct.id, property_contact_phone=None),
        "fix_total": good_order(tenant, acct.id, total_amount=Decimal("400")),
        "fix_tech_fee": good_order(tenant, acct.id, tech_fee=None, total_amount=None),
    }

    await run_cycle(client, tenant)

    for code, order in orders.items():
        codes = {e.code for e in rows(OrderException, order_id=order.id)}
        if code in ("ok", "fix_total", "fix_tech_fee"):
            assert codes == set(), (code, codes)
            assert one(Order, id=order.id).processing_status == "validated"
        else:
            assert code in codes, (code, codes)
            assert one(Order, id=order.id).processing_status == "exception"
    fixed_total = one(Order, id=orders["fix_total"].id)
    assert fixed_total.total_amount == Decimal("475.00")
    assert [f["field"] for f in one(OrderProcessing, order_id=orders["fix_total"].id).auto_fixes] == [
        "total_amount"
    ]
    fixed_fee = one(Order, id=orders["fix_tech_fee"].id)
    assert (fixed_fee.tech_fee, fixed_fee.total_amount) == (Decimal("25.00"), Decimal("475.00"))


@pytest.fixture
async def own_messaging(client: Client, tmp_path):  # type: ignore[no-untyped-def]
    """A messaging worker of this test's own, on its own queue, sending to an SMTP server whose
    ``hook`` runs before it answers 250 (so a test can act "right after the first send")."""
    from concurrent.futures import ThreadPoolExecutor

    from temporalio.worker import Worker

    from activities.email import Mailer
    from core.settings import get_settings
    from devstack.mailsink import start
    from schema.db import get_engine

    hooks: list = []  # type: ignore[type-arg]
    port = 12600 + uuid.uuid4().int % 300
    smtp = start(port, tmp_path / "mail", on_message=lambda m: [h(m) for h in hooks])
    base = get_settings()
    settings = base.model_copy(update={"email": base.email.model_copy(update={"smtp_port": port})})
    queue = f"messaging-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(4) as pool:
        worker = Worker(
            client,
            task_queue=queue,
            activities=[Mailer(settings, get_engine()).send_email],
            activity_executor=pool,
        )
        async with worker:
            yield queue, hooks, tmp_path / "mail"
    smtp.stop()


async def test_flipping_the_tenant_switch_mid_cycle_stops_further_actions(
    client: Client,
    tenant: str,
    own_messaging,  # type: ignore[no-untyped-def]
) -> None:
    from sqlalchemy import update
    from sqlmodel import col

    from devstack.mailsink import read_maildir
    from schema.agent import AgentRunAction
    from schema.db import owner_transaction
    from schema.tables import Tenant

    queue, hooks, maildir = own_messaging
    enable(tenant)
    for i in range(4):
        contact(tenant, addr(f"c{i}"), name=f"Contact {i}")

    def switch_off(_msg: object) -> None:  # an operator flips the tenant off during the first send
        with owner_transaction() as s:
            s.execute(update(Tenant).where(col(Tenant.id) == tenant).values(agent_enabled=False))
            s.commit()

    hooks.append(switch_off)
    result = await run_cycle(client, tenant, messaging_queue=queue)

    assert result.status == "halted" and result.executed == 1
    assert "agent disabled for this tenant" in (result.reason or "")
    assert len(read_maildir(maildir)) == 1
    verdicts = [a.verdict for a in rows(AgentRunAction, run_id=result.run_id)]
    assert verdicts.count("allow") == 1 and verdicts.count("halt") == 1 and len(verdicts) == 2
    assert one(AgentRun, id=result.run_id).status == "halted"
    assert any("halted" in h for h in one(HourlyReflection, run_id=result.run_id).next_hour_hints)


async def test_a_worker_crash_after_the_smtp_send_does_not_send_twice(
    client: Client, agent_stack: Stack, tenant: str
) -> None:
    import asyncio

    enable(tenant)
    c = contact(tenant, addr("once"))
    queue = f"messaging-{uuid.uuid4().hex[:8]}"
    # this worker dies (os._exit) right after the server accepted the message, before replying to Temporal
    agent_stack.worker(
        "worker-crashing",
        "messaging",
        args=("--messaging-queue", queue),
        env={"OMNIOPS_FAILPOINTS": "email.after_smtp_accept"},
    )
    try:
        hour = now_hour()
        handle = await client.start_workflow(
            TenantCycleWorkflow.run,
            cycle_input(tenant, hour, messaging_queue=queue, action_timeout_s=3),
            id=cycle_workflow_id(tenant, hour),
            task_queue=queues.AGENT,
        )
        for _ in range(300):
            if not agent_stack.running("worker-crashing"):
                break
            await asyncio.sleep(0.1)
        assert not agent_stack.running("worker-crashing"), "the failpoint did not end the worker"
        assert len(mail_to(agent_stack, c.email or "")) == 1
        agent_stack.worker("worker-recovering", "messaging", args=("--messaging-queue", queue))
        result = await handle.result()
    finally:
        agent_stack.stop("worker-crashing")
        agent_stack.stop("worker-recovering")

    assert result.status == "completed" and result.executed == 1
    assert len(mail_to(agent_stack, c.email or "")) == 1
    row = one(OutboxEmail, to_email=c.email)
    assert (row.status, row.attempts) == ("sent", 1)
    history = await handle.fetch_history()
    attempts = [
        e.activity_task_started_event_attributes.attempt
        for e in history.events
        if e.HasField("activity_task_started_event_attributes")
    ]
    assert max(attempts) >= 2  # send_email really ran a second time, and found the row already sent


async def test_each_policy_rule_blocks_the_ai_planners_proposals_and_records_why(
    client: Client,
    agent_stack: Stack,
    tenant: str,
    peer,  # type: ignore[no-untyped-def]
) -> None:
    import json

    from schema.agent import ResearchJob
    from tests.peers.messages_api import tool_use

    enable(tenant)
    acct = account(tenant)
    bare = account(tenant)  # no contacts: discovery is always allowed
    ok = contact(tenant, addr("ok"), client_id=acct.id)
    opted_out = contact(tenant, addr("no"), client_id=acct.id)
    add(EmailSuppression(tenant_id=tenant, email=(opted_out.email or "").lower(), reason="opt_out"))
    vague = InboundMessage(
        tenant_id=tenant,
        message_id=f"<{uuid.uuid4()}@c>",
        from_email=ok.email or "",
        subject="Re: update",
        body="We should call them sometime.",
        kind="reply",
        contact_id=ok.id,
    )
    add(vague)
    proposals = [
        {
            "kind": "create_task",
            "target_type": "contact",
            "target_id": ok.id,
            "title": "Call Pat",
            "task_reason": "client_request",
            "source_message_id": vague.message_id,
            "reason": "they mentioned a call",
        },
        {
            "kind": "create_task",
            "target_type": "account",
            "target_id": acct.id,
            "title": "Review account",
            "reason": "seems useful",
        },
        {"kind": "research", "target_type": "tenant", "target_id": tenant, "reason": "find new leads"},
        {
            "kind": "contact_discovery",
            "target_type": "account",
            "target_id": bare.id,
            "reason": "no contacts",
        },
        {
            "kind": "send_email",
            "target_type": "contact",
            "target_id": opted_out.id,
            "subject": "Hello",
            "body": "Checking in.",
            "reason": "overdue",
        },
        {
            "kind": "send_email",
            "target_type": "contact",
            "target_id": ok.id,
            "subject": "Quick check",
            "body": "Please reply with your bank account and routing number.",
            "reason": "billing",
        },
    ]
    peer.reset(lambda _: tool_use({"actions": proposals}, name="propose_actions"))

    result = await run_cycle(client, tenant)

    assert result.planner == "ai" and result.blocked == 5
    by_rule = {}
    for v in rows(PolicyViolation, tenant_id=tenant):
        by_rule.setdefault(v.rule, []).append(v)
    assert sorted((r, len(vs)) for r, vs in by_rule.items()) == [
        ("human_task", 2),
        ("research", 1),
        ("sensitive_pattern", 1),
        ("suppression", 1),
    ]
    assert all(v.blocked and v.action_data["kind"] == v.action_type for vs in by_rule.values() for v in vs)
    assert "not an explicit request" in " ".join(v.reason for v in by_rule["human_task"])
    assert "overdue" in by_rule["research"][0].reason
    assert "bank" not in by_rule["sensitive_pattern"][0].reason  # the reason names the class, not the text
    assert rows(AgentTask, tenant_id=tenant) == []
    assert rows(ResearchJob, tenant_id=tenant) == []  # contact discovery runs at once (issue 13 Build 7)
    assert mail_to(agent_stack, opted_out.email or "") == [] and mail_to(agent_stack, ok.email or "") == []
    # the model saw the context without any email address (recipients are filled in from our data)
    prompt = json.dumps(peer.requests[-1]["messages"])
    assert "@example.test" not in prompt and ok.id in prompt


async def test_a_broadcast_goes_out_in_rate_limited_batches_with_per_contact_status(
    client: Client, agent_stack: Stack, tenant: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from schema.business import Campaign, CampaignContactStatus, Contact

    enable(tenant, max_emails_per_hour=2)
    people = [Contact(tenant_id=tenant, name=f"P{i}", email=addr(f"p{i}")) for i in range(3)]  # not overdue
    add(*people)
    camp = Campaign(
        tenant_id=tenant,
        name="Autumn rates",
        subject="Our autumn rates",
        body="New rates inside.",
        scheduled_at=datetime.now(UTC) - timedelta(minutes=5),
    )
    add(camp)
    add(*(CampaignContactStatus(tenant_id=tenant, campaign_id=camp.id, contact_id=p.id) for p in people))
    hour = now_hour()

    await run_cycle(client, tenant, hour)

    statuses = sorted(s.status for s in rows(CampaignContactStatus, campaign_id=camp.id))
    assert statuses == ["pending", "sent", "sent"]
    assert one(Campaign, id=camp.id).status == "in_progress"

    await run_cycle(client, tenant, next_hour(hour))

    assert [s.status for s in rows(CampaignContactStatus, campaign_id=camp.id)] == ["sent"] * 3
    assert one(Campaign, id=camp.id).status == "completed"
    assert [len(mail_to(agent_stack, p.email or "")) for p in people] == [1, 1, 1]


# --- issue 9, part 7: one sender per quote and deal; one running cycle per tenant ---------------


async def test_a_sent_quote_whose_follow_up_falls_due_during_a_cycle_gets_exactly_one_email(
    client: Client, agent_stack: Stack, tenant: str
) -> None:
    """The quote's workflow is its only sender: the cycle, running while the follow-up is due,
    sends nothing for it, and the workflow sends its one follow-up."""
    enable(tenant)
    buyer = recent_contact(tenant, addr("buyer"))  # not due an engagement touch: only quote mail
    q = Quote(tenant_id=tenant, contact_id=buyer.id, amount=Decimal("1200"))
    add(q)
    quote_wf = await client.start_workflow(  # as the API's sendQuote starts it
        QuoteWorkflow.run,
        QuoteInput(
            tenant_id=tenant, quote_id=q.id, to_email=buyer.email or "", follow_up_every_s=6, max_follow_ups=1
        ),
        id=quote_workflow_id(tenant, q.id),
        task_queue=queues.AGENT,
    )
    await wait_for(lambda: one(Quote, id=q.id).status == "sent", "the quote was sent")
    due = datetime.now(UTC) - timedelta(seconds=1)
    set_row(Quote, q.id, next_follow_up_at=due)  # its first follow-up is due now, while the cycle runs
    result = await run_cycle(client, tenant)
    assert result.status == "completed" and result.follow_ups_started == 0  # already owned
    assert (await quote_wf.result()).follow_ups == 1  # the workflow's own follow-up, then it expired

    keys = sorted(r.idempotency_key for r in rows(OutboxEmail, tenant_id=tenant))
    assert keys == [f"{tenant}:quote:{q.id}:follow-up:1", f"{tenant}:quote:{q.id}:sent"]
    follow_ups = [
        m for m in mail_to(agent_stack, buyer.email or "") if "quote" in (m["Subject"] or "").lower()
    ]
    assert (
        len(mail_to(agent_stack, buyer.email or "")) == 2 and len(follow_ups) == 2
    )  # the quote + 1 follow-up
    assert not [a for a in rows(AgentRunAction, run_id=result.run_id) if a.target_type == "quote"]


async def test_the_cycle_hands_unowned_quotes_and_deals_to_their_workflows_once(
    client: Client, agent_stack: Stack, tenant: str
) -> None:
    enable(tenant)
    buyer = recent_contact(tenant, addr("buyer"))
    add(  # deal_stage_config reaches the Deal workflow: not stalled during this test
        DealStageConfig(
            tenant_id=tenant, stage="proposal", stalled_after_days=3600, follow_up_every_days=3600
        )
    )
    sent_elsewhere = Quote(
        tenant_id=tenant, contact_id=buyer.id, status="sent", sent_at=LONG_AGO, amount=Decimal("90")
    )
    deal = Deal(tenant_id=tenant, contact_id=buyer.id, title="Renewal", stage="proposal")
    tracked = Deal(tenant_id=tenant, contact_id=buyer.id, title="Tracked", stage="lead")
    add(sent_elsewhere, deal, tracked)
    tracked_wf = await client.start_workflow(  # as the API's trackDeal starts it
        DealWorkflow.run,
        DealInput(
            tenant_id=tenant,
            deal_id=tracked.id,
            stage="lead",
            to_email=buyer.email,
            last_activity_at=datetime.now(UTC),
            stage_entered_at=datetime.now(UTC),
            rules={"lead": StageRule(stalled_after_s=3600, follow_up_every_s=3600)},
        ),
        id=deal_workflow_id(tenant, tracked.id),
        task_queue=queues.AGENT,
    )
    handles = [
        tracked_wf,
        client.get_workflow_handle(quote_workflow_id(tenant, sent_elsewhere.id)),
        client.get_workflow_handle(deal_workflow_id(tenant, deal.id)),
    ]
    try:
        hour = now_hour()
        first = await run_cycle(client, tenant, hour)
        assert first.follow_ups_started == 2  # the quote and the untracked deal; the tracked one is owned
        for h in handles:
            assert (await h.describe()).status == WorkflowExecutionStatus.RUNNING
        await wait_for(lambda: bool(mail_to(agent_stack, buyer.email or "")), "the quote's workflow sent it")
        token = one(Quote, id=sent_elsewhere.id).view_token  # minted for it: its email has the link
        link = quote_view_url(get_settings().api_public_url, token or "")
        assert token and any(link in m.get_content() for m in mail_to(agent_stack, buyer.email or ""))
        second = await run_cycle(client, tenant, next_hour(hour))
        assert second.follow_ups_started == 0
        owners = {(o.target_type, o.target_id) for o in rows(FollowUpOwner, tenant_id=tenant)}
        assert owners == {("quote", sent_elsewhere.id), ("deal", deal.id), ("deal", tracked.id)}
        assert [r.idempotency_key for r in rows(OutboxEmail, tenant_id=tenant)] == [
            f"{tenant}:quote:{sent_elsewhere.id}:sent"
        ]
    finally:
        for h in handles:
            await h.terminate("test over")


async def test_a_slow_cycle_makes_the_next_hours_cycle_skip_with_its_reason(
    client: Client,
    tenant: str,
    own_messaging,  # type: ignore[no-untyped-def]
) -> None:
    import asyncio
    import threading

    queue, hooks, _maildir = own_messaging
    enable(tenant)
    contact(tenant, addr("slow"))
    sending, release = threading.Event(), threading.Event()

    def hold(_msg: object) -> None:  # the first cycle is still sending when the next hour comes
        sending.set()
        release.wait(15)

    hooks.append(hold)
    hour = now_hour()
    slow_id = cycle_workflow_id(tenant, hour)
    slow = await client.start_workflow(
        TenantCycleWorkflow.run,
        cycle_input(tenant, hour, messaging_queue=queue),
        id=slow_id,
        task_queue=queues.AGENT,
    )
    try:
        assert await asyncio.to_thread(sending.wait, 30), "the slow cycle never sent"
        nxt = await client.execute_workflow(
            TenantCycleWorkflow.run,
            CycleInput(tenant_id=tenant, hour=next_hour(hour), trigger="schedule", messaging_queue=queue),
            id=cycle_workflow_id(tenant, next_hour(hour)),
            task_queue=queues.AGENT,
        )
        running = [r.id for r in rows(AgentRun, tenant_id=tenant) if r.status == "running"]
    finally:
        release.set()
    first = await slow.result()

    assert running == [slow_id]  # never two running cycles for one tenant
    assert nxt.status == "skipped" and slow_id in (nxt.reason or "") and nxt.executed == 0
    skipped = one(AgentRun, id=nxt.run_id)
    assert skipped.status == "skipped" and f"cycle {slow_id} is still running" in (skipped.error or "")
    assert not rows(HourlyReflection, run_id=nxt.run_id) and not rows(AgentRunAction, run_id=nxt.run_id)
    assert first.status == "completed" and one(AgentRun, id=slow_id).status == "completed"


async def test_a_stale_running_run_is_taken_over_and_marked_failed(client: Client, tenant: str) -> None:
    enable(tenant)
    gone = AgentRun(
        id=f"cycle-{tenant}-gone",
        tenant_id=tenant,
        hour="2000010100",
        cycle_number=1,
        status="running",
        started_at=datetime.now(UTC) - timedelta(hours=4),  # past agent.run_stale_after_s (3 h)
    )
    add(gone)
    result = await run_cycle(client, tenant)
    assert result.status == "completed"
    old = one(AgentRun, id=gone.id)
    assert old.status == "failed" and f"taken over by {result.run_id}" in (old.error or "")
