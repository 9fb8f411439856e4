"""A planned email that links outside the tenant's domains is blocked by the policy and never
sent (issue 11, Build 9): a real cycle (Temporal, Postgres, SMTP) whose AI planner (the local
Messages-API peer) proposes two emails, one with a userinfo-disguised foreign link, one with a
link under the tenant's own domain.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from temporalio.client import Client

from core.temporal import connect
from devstack.stack import Stack
from schema.agent import OutboxEmail, PolicyViolation
from tests.integration.cycle_helpers import account, contact, enable, mail_to, rows, run_cycle
from tests.peers.messages_api import MessagesPeer, tool_use
from workflows import ids

pytestmark = pytest.mark.stack


@pytest.fixture
async def client(agent_stack: Stack, peer: MessagesPeer) -> Client:
    return await connect(scoping=ids)


async def test_the_cycle_blocks_an_email_linking_outside_the_tenants_domains(
    client: Client, agent_stack: Stack, tenant: str, peer: MessagesPeer
) -> None:
    enable(tenant, domains=["acme-lending.test"])
    acct = account(tenant)
    tag = uuid.uuid4().hex[:8]
    lured = contact(tenant, f"lured-{tag}@example.test", client_id=acct.id)
    served = contact(tenant, f"served-{tag}@example.test", client_id=acct.id)
    proposals: list[dict[str, Any]] = [
        {
            "kind": "send_email",
            "target_type": "contact",
            "target_id": lured.id,
            "subject": "Your statement",
            "body": "Please review it at https://acme-lending.test@evil.example.com/statement today.",
            "reason": "statement ready",
        },
        {
            "kind": "send_email",
            "target_type": "contact",
            "target_id": served.id,
            "subject": "Your statement",
            "body": "Please review it at https://portal.acme-lending.test/statement today.",
            "reason": "statement ready",
        },
    ]
    peer.reset(lambda _: tool_use({"actions": proposals}, name="propose_actions"))

    result = await run_cycle(client, tenant)

    assert result.planner == "ai" and result.blocked == 1
    [violation] = rows(PolicyViolation, tenant_id=tenant)
    assert (violation.rule, violation.blocked) == ("email_links", True)
    assert violation.reason == "1 link outside the tenant's domains: evil.example.com"
    outbox = rows(OutboxEmail, tenant_id=tenant)
    assert [o.to_email for o in outbox] == [served.email]  # the blocked email never reached the outbox
    assert mail_to(agent_stack, lured.email or "") == []
    [sent] = mail_to(agent_stack, served.email or "")
    assert "https://portal.acme-lending.test/statement" in sent.get_payload(decode=True).decode()
    # the planner was told where links may point
    assert "acme-lending.test" in json.dumps(peer.requests[-1])
