"""The planner sees unacted opportunity signals (issue 13 Build 8) on the real stack: a complaint
signal of a contact becomes the cycle's email to that contact (our words, never the client's
evidence), and once sent the signal is marked acted, so the next hour leaves it alone; a signal
with no contact stays unacted. The rules plan (the Messages-API peer is unscripted)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from temporalio.client import Client

from core.temporal import connect
from devstack.stack import Stack
from schema.business import Contact
from schema.db import get_engine, tenant_transaction
from schema.repositories import signals
from schema.signals import OpportunitySignal
from tests.integration.cycle_helpers import add, enable, mail_to, now_hour, one, run_cycle
from workflows import ids
from workflows.cycle.hours import next_hour
from workflows.mail_models import DetectedSignal

pytestmark = pytest.mark.stack
EVIDENCE = "The last two reports arrived late and the client is furious."


@pytest.fixture
async def client(agent_stack: Stack, peer: object) -> Client:
    return await connect(scoping=ids)


async def test_an_unacted_signal_is_answered_once_and_marked_acted(
    client: Client, agent_stack: Stack, tenant: str
) -> None:
    enable(tenant)
    email = f"robin-{uuid.uuid4().hex[:8]}@example.test"
    robin = Contact(tenant_id=tenant, email=email, name="Robin", created_at=datetime.now(UTC))
    add(robin)
    found = [DetectedSignal(kind="complaint", strength=0.8, evidence=EVIDENCE)]
    with tenant_transaction(get_engine(), tenant) as s:
        signals.record_signals(s, tenant, "in-1", found, contact_id=robin.id)
        signals.record_signals(s, tenant, "in-2", found)  # an unknown sender: no one to answer
        s.commit()

    hour = now_hour()
    result = await run_cycle(client, tenant, hour)
    assert result.status == "completed"
    [msg] = mail_to(agent_stack, email)
    assert msg["Subject"] == "Following up on your message"
    parts = [p.get_payload(decode=True) for p in msg.walk() if not p.is_multipart()]
    assert "Robin" in str(parts) and "furious" not in str(parts)  # untrusted text is never quoted
    assert one(OpportunitySignal, tenant_id=tenant, inbound_message_id="in-1").acted_on_at is not None
    assert one(OpportunitySignal, tenant_id=tenant, inbound_message_id="in-2").acted_on_at is None

    assert (await run_cycle(client, tenant, next_hour(hour))).status == "completed"
    assert len(mail_to(agent_stack, email)) == 1
