"""Routing ingested mail (issue 13 Builds 3 and 5) on the real stack: Dovecot IMAP, Postgres,
Vault, Temporal, the agent and messaging workers and the local SMTP server.

A client's reply to our feedback email, delivered over IMAP, completes the waiting feedback
workflow with its sentiment; a Postfix DSN suppresses the failed address at once and the next
send to it is blocked; an Exchange out-of-office is an auto-reply that never touches the 21-day
engagement clock, while the Gmail reply does."""

from __future__ import annotations

import asyncio
import uuid
from email import message_from_bytes, policy
from typing import Any

import pytest
from temporalio.testing import ActivityEnvironment

from activities.email import Mailer
from core.settings import get_settings
from core.temporal import connect
from devstack.stack import Stack
from schema.agent import EmailSuppression, EngagementClock
from schema.business import Contact
from schema.db import get_engine
from schema.followups import FeedbackRequest
from tests.integration.cycle_helpers import account, add, enable, good_order, mail_to, one, rows, run_cycle
from tests.integration.helpers import headers
from tests.integration.mail_helpers import connect_mailbox, deliver, eml, mailbox, sync, tenant_id
from tests.integration.mail_helpers import rows as inbound
from workflows import ids
from workflows.email import SendEmailInput

pytestmark = pytest.mark.stack


async def eventually(check: Any, what: str, timeout: float = 60.0) -> Any:
    for _ in range(int(timeout / 0.25)):
        if got := check():
            return got
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def reply_to(message_id: str, sender: str, text: str) -> bytes:
    return (
        f"From: Pat Client <{sender}>\r\nTo: Sales <sales@example.test>\r\n"
        f"Subject: Re: How did we do?\r\nMessage-ID: <{uuid.uuid4().hex}@client.example.test>\r\n"
        f"In-Reply-To: {message_id}\r\nReferences: {message_id}\r\n"
        "Date: Sun, 06 Dec 2026 14:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{text}\r\n\r\nOn Sun, Dec 6, 2026 at 9:00 AM Sales <sales@example.test> wrote:\r\n"
        "> Hello, your order was delivered a week ago. How did it go?\r\n"
    ).encode()


async def test_a_feedback_reply_over_imap_completes_the_waiting_feedback_workflow(
    inbox_api: Any, agent_stack: Stack
) -> None:
    t = tenant_id()
    enable(t)
    acct = account(t)
    client_email = f"pat-{uuid.uuid4().hex[:8]}@example.test"
    pat = Contact(tenant_id=t, client_id=acct.id, name="Pat", email=client_email)
    add(pat)
    order = good_order(t, acct.id)
    r = await inbox_api.post(f"/api/orders/{order.id}/delivered", headers=headers(t))
    assert r.status_code == 202, r.text
    [sent] = await eventually(lambda: mail_to(agent_stack, client_email), "the feedback email")

    user, password = mailbox(agent_stack, t)
    answer = "It was excellent, thank you so much! The report was early and clear."
    deliver(agent_stack, user, password, [reply_to(str(sent["Message-ID"]), client_email, answer)])
    conn = await connect_mailbox(inbox_api, agent_stack, t, user, password)
    assert (await sync(t, conn["id"])).inserted == 1

    fb = await eventually(
        lambda: [f for f in rows(FeedbackRequest, tenant_id=t) if f.status == "responded"], "the answer"
    )
    assert fb[0].sentiment == "positive" and fb[0].response.startswith("It was excellent")
    assert "wrote:" not in fb[0].response  # the quoted thread is not the client's answer
    [row] = inbound(t)
    assert (row.kind, row.contact_id, row.routed_at is not None) == ("reply", pat.id, True)
    assert row.related["answering"] == {
        "kind": "feedback_request",
        "key": f"{t}:feedback:{order.id}",
        "entity": order.id,
    }
    handle = (await connect(scoping=ids)).get_workflow_handle(ids.feedback_workflow_id(t, order.id))
    assert (await handle.result())["status"] == "responded"


async def test_a_dsn_suppresses_at_once_and_an_auto_reply_never_touches_the_clock(
    inbox_api: Any, agent_stack: Stack
) -> None:
    t = tenant_id()
    enable(t)
    gmail, ooo = (
        message_from_bytes(eml(n), policy=policy.default) for n in ("gmail_reply.eml", "exchange_ooo.eml")
    )
    dana = Contact(tenant_id=t, name="Dana", email=str(gmail["From"].addresses[0].addr_spec))
    lars = Contact(tenant_id=t, name="Lars", email=str(ooo["From"].addresses[0].addr_spec))
    add(dana, lars)
    user, password = mailbox(agent_stack, t)
    deliver(
        agent_stack, user, password, [eml("postfix_dsn.eml"), eml("exchange_ooo.eml"), eml("gmail_reply.eml")]
    )
    conn = await connect_mailbox(inbox_api, agent_stack, t, user, password)
    assert (await sync(t, conn["id"])).inserted == 3

    assert [(m.kind, m.contact_id) for m in inbound(t)] == [
        ("bounce", None),
        ("auto_reply", lars.id),
        ("reply", dana.id),
    ]
    assert one(EmailSuppression, tenant_id=t).email == "j.doe@gone.example"  # before any cycle
    mailer = Mailer(get_settings(), get_engine())
    blocked = ActivityEnvironment().run(
        mailer.send_email,
        SendEmailInput(
            tenant_id=t, idempotency_key=f"{t}:test:dsn", to_email="j.doe@gone.example", subject="x", body="y"
        ),
    )
    assert (blocked.status, blocked.detail) == ("blocked", "recipient suppressed: bounce")

    await run_cycle(await connect(scoping=ids), t)  # React: replies touch the clock, auto-replies never
    clocks = {c.contact_id: c for c in rows(EngagementClock, tenant_id=t)}
    assert clocks[dana.id].last_touch_type == "reply"
    assert lars.id not in clocks or clocks[lars.id].last_touch_type != "reply"
