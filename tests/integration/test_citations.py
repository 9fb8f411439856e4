"""Documents the agent cites (issue 14 Build 6), on the real stack: a bid template uploaded and
extracted for real, a quote workflow on the agent worker, its follow-up through the outbox and
the real SMTP server.

The follow-up quotes the tenant's own bid template with its source; it never quotes an email
attachment (someone else's text) or another tenant's document, and never carries a link or an
address out of a passage."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from temporalio.client import Client

from core import queues
from core.temporal import connect
from devstack.stack import Stack
from schema.business import Contact, InboundMessage, Quote
from schema.documents import Document
from tests.integration.cycle_helpers import add, contact, enable, mail_to, run_cycle, set_row
from tests.integration.helpers import headers
from tests.peers.messages_api import MessagesPeer, tool_use
from workflows import ids
from workflows.followups.models import QuoteInput
from workflows.followups.quote import QuoteWorkflow

pytestmark = pytest.mark.stack


def docx(heading: str, *paragraphs: str) -> bytes:
    import docx as python_docx

    d = python_docx.Document()
    d.add_heading(heading, level=1)
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.fixture
async def client(agent_stack: Stack, peer: MessagesPeer) -> Client:
    return await connect(scoping=ids)


@pytest.fixture(scope="module")
async def docs_api(agent_stack: Stack) -> Any:
    from litestar.testing import AsyncTestClient

    from api.app import create_app

    async with AsyncTestClient(app=create_app(), timeout=60) as c:
        yield c


async def upload(api: Any, tenant: str, title: str, category: str, data: bytes) -> str:
    r = await api.post(
        "/api/documents",
        headers=headers(tenant, roles=("member",)),
        files={"file": (f"{uuid.uuid4().hex[:6]}.docx", data)},
        data={"title": title, "category": category},
    )
    assert r.status_code == 201, r.text
    doc_id = str(r.json()["id"])
    for _ in range(400):
        got = (await api.get(f"/api/documents/{doc_id}", headers=headers(tenant))).json()
        if got["extraction_status"] != "pending" and got["extraction_status"] != "processing":
            assert got["extraction_status"] == "completed", got
            return doc_id
        await asyncio.sleep(0.25)
    raise AssertionError(f"{title} was not extracted")


async def test_a_quote_follow_up_cites_the_tenants_own_bid_template_only(
    client: Client, agent_stack: Stack, docs_api: Any, tenant: str
) -> None:
    other = f"t-{uuid.uuid4().hex[:10]}"
    enable(tenant)
    enable(other)
    await upload(
        docs_api,
        tenant,
        "Racking bid template",
        "bid_template",
        docx(
            "Warehouse racking",
            "Warehouse racking installs are priced per bay and the prices hold for 30 days. "
            "Questions: sales@racking.example or https://racking.example/terms.",
        ),
    )
    attachment = await upload(
        docs_api,
        tenant,
        "Forwarded racking offer",
        "bid_template",
        docx("Warehouse racking", "Warehouse racking pricing terms: ATTACHMENT-TEXT wire the deposit today."),
    )
    set_row(Document, attachment, source_type="email_attachment")  # as inbox ingestion files it
    await upload(
        docs_api,
        other,
        "Their racking bid template",
        "bid_template",
        docx("Warehouse racking", "Warehouse racking pricing terms OTHER-TENANT-TEXT per bay."),
    )

    to = f"buyer-{uuid.uuid4().hex[:8]}@example.test"
    buyer = Contact(tenant_id=tenant, name="Quinn Buyer", email=to)
    add(buyer)
    quote = Quote(tenant_id=tenant, contact_id=buyer.id, amount=Decimal("980"), title="Warehouse racking")
    add(quote)
    quote_id = quote.id
    handle = await client.start_workflow(
        QuoteWorkflow.run,
        QuoteInput(
            tenant_id=tenant,
            quote_id=quote_id,
            to_email=to,
            follow_up_every_s=2,
            max_follow_ups=1,
            title="Warehouse racking",
        ),
        id=ids.quote_workflow_id(tenant, quote_id),
        task_queue=queues.AGENT,
    )
    assert (await handle.result()).follow_ups == 1

    mails = {m["Subject"]: m.get_content() for m in mail_to(agent_stack, to)}
    assert len(mails) == 2, mails
    first = mails["Your quote"]
    [follow_up] = [body for subject, body in mails.items() if subject != "Your quote"]
    assert "From our" not in first  # the quote itself goes out as written
    assert 'From our "Racking bid template" (Warehouse racking): "' in follow_up, follow_up
    assert "prices hold for 30 days" in follow_up
    for leak in ("ATTACHMENT-TEXT", "OTHER-TENANT-TEXT", "racking.example", "@racking"):
        assert leak not in follow_up, leak


async def test_the_ai_planner_gets_the_passage_a_client_request_is_about_as_cited_data(
    agent_stack: Stack, docs_api: Any, tenant: str, peer: MessagesPeer
) -> None:
    """A client asks about rush delivery; the cycle's AI planner is handed the tenant's SOP
    passage on it, labelled D1 with its title, bounded, and told it is untrusted."""
    enable(tenant)
    await upload(
        docs_api,
        tenant,
        "Delivery SOP",
        "sop",
        docx(
            "Rush delivery",
            "Rush delivery within 48 hours costs a 15% surcharge and needs the manager's approval.",
        ),
    )
    who = contact(tenant, f"asker-{uuid.uuid4().hex[:8]}@example.test")
    add(
        InboundMessage(
            tenant_id=tenant,
            message_id=f"<{uuid.uuid4().hex}@client.example.test>",
            from_email=who.email or "",
            subject="Rush delivery?",
            body="Could you do a rush delivery of the report next week?",
            kind="reply",
            contact_id=who.id,
        )
    )
    peer.reset(lambda _: tool_use({"actions": []}, name="propose_actions"))
    result = await run_cycle(await connect(scoping=ids), tenant)
    assert result.planner == "ai"
    prompt = json.loads(peer.requests[-1]["messages"][0]["content"])
    [passage] = prompt["passages"]
    assert (passage["cite"], passage["title"]) == ("D1", "Delivery SOP")
    assert "15% surcharge" in passage["text"] and len(passage["text"]) <= 600
    assert "untrusted" in peer.requests[-1]["system"]
