"""Contact enrichment, contact discovery and quote replies from ingested mail (issue 13 Builds 5
and 7) on the real stack: Dovecot IMAP, Postgres, Vault, Temporal and the workers.

The Gmail-style reply fixture (quoted thread and a signature: title | company, phone, LinkedIn)
fills the contact's empty fields and records each value's source; a value the contact already
has differently is kept. A new sender at a known account's domain becomes that account's contact,
both as mail is routed and through the cycle's ``contact_discovery`` action. A client's reply to
a quote email is recorded on the quote's workflow, which stops following up."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from activities.cycle.runners import discover_contacts
from devstack.stack import Stack
from schema.business import Contact, Quote
from schema.db import owner_transaction
from schema.enrichment import ContactFieldSource
from schema.followups import QuoteActivity
from tests.integration.cycle_helpers import account, add, enable, mail_to, one, rows
from tests.integration.helpers import headers
from tests.integration.mail_helpers import connect_mailbox, deliver, eml, mailbox, sync, tenant_id
from tests.integration.mail_helpers import rows as inbound
from tests.integration.test_inbox_routing import eventually, reply_to
from workflows.cycle.actions import ActionKind, ProposedAction
from workflows.cycle.messages import PerformInput

pytestmark = pytest.mark.stack
GMAIL_ID = "<CAJx9fQ3h0Zr+kT5vXq2L8mN7bYcP1w@mail.gmail.com>"
DANA = "dana.whitfield@northwind.example"


def domain_account(t: str, domain: str) -> str:
    a = account(t)
    with owner_transaction() as s:
        row = s.get(type(a), a.id)
        assert row is not None
        row.domain = domain
        s.commit()
    return a.id


def plain_from(sender: str, name: str) -> bytes:
    return (
        f"From: {name} <{sender}>\r\nTo: Sales <sales@example.test>\r\nSubject: Question\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@mail.example>\r\nDate: Sun, 06 Dec 2026 14:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHi, could you send me your price list?\r\n"
    ).encode()


async def test_a_signature_fills_empty_fields_with_their_source_and_keeps_a_conflicting_one(
    inbox_api: Any, agent_stack: Stack
) -> None:
    t = tenant_id()
    enable(t)
    acct = domain_account(t, "northwind.example")
    dana = Contact(tenant_id=t, client_id=acct, name="Dana", email=DANA, phone="+1 212 555 0100")
    add(dana)
    user, password = mailbox(agent_stack, t)
    deliver(agent_stack, user, password, [eml("gmail_reply.eml")])
    conn = await connect_mailbox(inbox_api, agent_stack, t, user, password)
    assert (await sync(t, conn["id"])).inserted == 1

    got = one(Contact, id=dana.id)
    assert (got.title, got.company, got.linkedin_url) == (
        "Head of Operations",
        "Northwind Traders",
        "https://www.linkedin.com/in/danawhitfield",
    )
    assert got.phone == "+1 212 555 0100"  # a different number in the signature never overwrites
    [row] = inbound(t)
    src = {(r.field, r.outcome): r for r in rows(ContactFieldSource, tenant_id=t)}
    assert sorted(src) == [
        ("company", "set"),
        ("linkedin_url", "set"),
        ("phone", "conflict"),
        ("title", "set"),
    ]
    assert src[("phone", "conflict")].value == "+14155550142"
    want = (GMAIL_ID, row.id, "signature", dana.id)
    assert all((r.message_id, r.inbound_message_id, r.source, r.contact_id) == want for r in src.values())
    assert row.related["enriched"] == ["title", "company", "linkedin_url"]


async def test_a_new_sender_at_a_known_account_domain_becomes_its_contact(
    inbox_api: Any, agent_stack: Stack
) -> None:
    t = tenant_id()
    enable(t)
    acct = domain_account(t, "northwind.example")
    user, password = mailbox(agent_stack, t)
    stranger = f"lee-{uuid.uuid4().hex[:6]}@elsewhere.example"
    later = f"kim-{uuid.uuid4().hex[:6]}@contoso.example"
    msgs = [eml("gmail_reply.eml"), plain_from(stranger, "Lee"), plain_from(later, "Kim Park")]
    deliver(agent_stack, user, password, msgs)
    conn = await connect_mailbox(inbox_api, agent_stack, t, user, password)
    assert (await sync(t, conn["id"])).inserted == 3

    dana = one(Contact, tenant_id=t, email=DANA)
    assert (dana.client_id, dana.name, dana.title) == (acct, "Dana Whitfield", "Head of Operations")
    assert rows(Contact, tenant_id=t, email=stranger) == []  # no account at that domain
    assert rows(Contact, tenant_id=t, email=later) == []
    by_sender = {m.from_email: m for m in inbound(t)}
    assert by_sender[DANA].contact_id == dana.id and by_sender[DANA].related["contact_discovered"]

    # the account's domain becomes known later: the cycle's contact_discovery action finds Kim
    contoso = domain_account(t, "contoso.example")
    action = ProposedAction(
        key=f"{t}:h:discovery:{contoso}",
        kind=ActionKind.CONTACT_DISCOVERY,
        target_type="account",
        target_id=contoso,
    )
    with owner_transaction() as s:
        out = discover_contacts(s, PerformInput(run_id="r", tenant_id=t, hour="h", action=action))
        s.commit()
    assert (out.outcome, out.detail) == ("discovered", {"contacts": 1})
    kim = one(Contact, tenant_id=t, email=later)
    assert (kim.client_id, kim.name) == (contoso, "Kim Park")


async def test_a_reply_to_a_quote_email_is_recorded_on_the_quote_workflow(
    inbox_api: Any, agent_stack: Stack
) -> None:
    t = tenant_id()
    enable(t)
    acct = account(t)
    client_email = f"quinn-{uuid.uuid4().hex[:8]}@example.test"
    quinn = Contact(tenant_id=t, client_id=acct.id, name="Quinn", email=client_email)
    add(quinn)
    quote = Quote(tenant_id=t, client_id=acct.id, contact_id=quinn.id, amount=Decimal("900"), title="Plan")
    add(quote)
    r = await inbox_api.post(f"/api/quotes/{quote.id}/send", headers=headers(t))
    assert r.status_code in (200, 201, 202), r.text
    [sent] = await eventually(lambda: mail_to(agent_stack, client_email), "the quote email")

    user, password = mailbox(agent_stack, t)
    text = "Thanks, could you move the start date to January? Then we can sign."
    deliver(agent_stack, user, password, [reply_to(str(sent["Message-ID"]), client_email, text)])
    conn = await connect_mailbox(inbox_api, agent_stack, t, user, password)
    assert (await sync(t, conn["id"])).inserted == 1

    [row] = inbound(t)
    replied = await eventually(
        lambda: [a for a in rows(QuoteActivity, quote_id=quote.id) if a.kind == "replied"], "the reply"
    )
    assert replied[0].detail["reason"].endswith(f":{row.id}")
    assert row.related["answering"]["kind"] == "quote"
    got = one(Quote, id=quote.id)
    assert got.next_follow_up_at is None and got.status == "sent"
