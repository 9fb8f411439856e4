"""The hourly cycle end to end: real Temporal, Postgres, SMTP server and workers (issue 4)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from core import queues
from core.temporal import connect
from schema.agent import (
    AgentRun,
    AgentTask,
    DeferredAction,
    EmailSuppression,
    EngagementClock,
    HourlyReflection,
    OrderException,
    OrderProcessing,
    OutboxEmail,
    PolicyViolation,
)
from schema.business import InboundMessage, Order
from tests.integration.cycle_helpers import (
    account,
    add,
    contact,
    enable,
    good_order,
    mail_to,
    now_hour,
    one,
    product,
    rows,
    run_cycle,
)
from workers.devstack import Stack
from workflows.cycle.hours import cycle_workflow_id, next_hour
from workflows.cycle.models import TenantRef
from workflows.cycle.workflow import ScheduledCycleWorkflow, TenantCycleWorkflow


@pytest.fixture
async def client(agent_stack: Stack) -> Client:
    return await connect()


def addr(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.test"


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
        id=f"trigger-{uuid.uuid4()}",
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
