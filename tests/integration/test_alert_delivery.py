"""Alerts are delivered and resolve (issue 17 Build 5): the sweep's alert reaches the tenant's
operators by email through the outbox at once, from the sweep itself (once per kind, scope and
hour, whatever the retries: the tenant's next cycle sends nothing again), and
is resolved (state and ``resolved_at``) by the first alert sweep that finds its condition cleared."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete
from temporalio.client import Client

from core.temporal import connect
from devstack.stack import Stack
from schema.agent import EngagementClock, OutboxEmail
from schema.business import Contact
from schema.db import owner_transaction
from schema.platform import AgentAlert
from schema.repositories.alerts import SYSTEM
from tests.integration.cycle_helpers import contact, enable, mail_to, now_hour, rows, wait_for
from tests.integration.test_alert_sweep import no_scheduled_sweep, sweep  # noqa: F401 - a fixture
from workflows import ids
from workflows.cycle.hours import next_hour

pytestmark = pytest.mark.stack


@pytest.fixture
async def client(agent_stack: Stack, peer: object) -> Client:
    return await connect(scoping=ids)


@pytest.mark.usefixtures("no_scheduled_sweep")
async def test_an_alert_is_emailed_to_the_operators_once_and_resolves_when_cleared(
    client: Client, agent_stack: Stack, tenant: str
) -> None:
    from tests.integration.cycle_helpers import run_cycle

    ops = f"ops-{uuid.uuid4().hex[:8]}@example.test"
    enable(tenant, max_emails_per_hour=0, alert_emails=[ops, "not an address"])  # no touch: 0% compliance
    for i in range(3):
        contact(tenant, f"c{i}-{uuid.uuid4().hex[:6]}@example.test")
    hour = now_hour()
    assert (await run_cycle(client, tenant, hour)).status == "completed"
    swept = await sweep(client)  # the hourly alert sweep raises it (issue 17 Build 6) and delivers it
    assert swept.delivered >= 1

    [alert] = rows(AgentAlert, scope=tenant)  # delivered at once, before the tenant's next cycle
    assert alert.kind == "engagement_compliance" and alert.state == "open" and alert.notified_at is not None
    [sent] = rows(OutboxEmail, tenant_id=tenant, idempotency_key=f"alert:{alert.id}:{ops}")
    assert sent.status == "sent" and sent.to_email == ops and "engagement compliance 0%" in sent.body
    await wait_for(lambda: len(mail_to(agent_stack, ops)) == 1, "the alert email at the SMTP server")
    assert "engagement_compliance" in str(mail_to(agent_stack, ops)[0]["Subject"]).replace(" ", "_")
    assert (await run_cycle(client, tenant, next_hour(hour))).status == "completed"  # sends nothing again
    assert len(rows(OutboxEmail, tenant_id=tenant)) == 1

    # the condition clears (no overdue contact left): the next sweep resolves the alert
    with owner_transaction() as s:
        for model in (EngagementClock, Contact):
            s.execute(delete(model).where(model.tenant_id == tenant))  # type: ignore[attr-defined]
        s.commit()
    await sweep(client)
    assert (await run_cycle(client, tenant, next_hour(next_hour(hour)))).status == "completed"
    [resolved] = rows(AgentAlert, scope=tenant)
    assert (
        resolved.state == "resolved" and resolved.resolved_at is not None and resolved.resolved_by == SYSTEM
    )
    assert len(rows(OutboxEmail, tenant_id=tenant)) == 1  # nothing new was sent
    assert len(mail_to(agent_stack, ops)) == 1
