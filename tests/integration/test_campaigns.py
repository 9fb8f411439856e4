"""Campaigns use their audience, templates and send window (seed 004 P1.2; issue 12, Build 1):
real Temporal, Postgres, SMTP server and workers. Campaigns are written with the tables here (the
records API is another part of issue 12), then the hourly cycle does the rest."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.message import Message

import pytest
from temporalio.client import Client

from core.temporal import connect
from devstack.stack import Stack
from schema.agent import AgentRunAction, DeferredAction, EmailSuppression, PolicyViolation
from schema.business import Campaign, CampaignContactStatus, Contact
from schema.db import owner_transaction
from schema.records import AudienceFilter
from schema.repositories import campaign_audience
from tests.integration.cycle_helpers import account, add, enable, mail_to, now_hour, one, rows, run_cycle
from workflows import ids
from workflows.cycle.hours import hour_start, next_hour


@pytest.fixture
async def client(agent_stack: Stack, peer: object) -> Client:
    """With the Messages-API peer unscripted, the AI planner fails fast and the rules plan."""
    return await connect(scoping=ids)


def person(tenant: str, name: str, title: str, domain: str, **kw: object) -> Contact:
    """A contact created now (inside its 21-day window: the cycle sends it no engagement touch)."""
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@{domain}"
    c = Contact(tenant_id=tenant, name=name, title=title, email=email, created_at=datetime.now(UTC), **kw)
    add(c)
    return c


def campaign(tenant: str, audience: AudienceFilter, window: tuple[int, int], name: str) -> Campaign:
    camp = Campaign(
        tenant_id=tenant,
        name=name,
        subject="News for {{ account.name | you }}",
        body="Hello {{contact.first_name|there}},\nour rates for {{account.name}} changed.",
        scheduled_at=datetime.now(UTC) - timedelta(minutes=5),
        audience=audience.model_dump(mode="json", exclude_none=True),
        send_window_start_hour=window[0],
        send_window_end_hour=window[1],
    )
    add(camp)
    return camp


def only(stack: Stack, c: Contact) -> Message:
    [m] = mail_to(stack, c.email or "")
    return m


def statuses(camp: Campaign) -> dict[str, str]:
    return {s.contact_id: s.status for s in rows(CampaignContactStatus, campaign_id=camp.id)}


async def test_a_campaign_sends_to_its_audience_rendered_and_only_inside_its_window(
    client: Client, agent_stack: Stack, tenant: str
) -> None:
    enable(tenant)
    acme = account(tenant)  # "Acme Lending", active
    dormant = account(tenant, active=False)
    ada = person(tenant, "Ada Lovelace", "Head of Sales", "sales.example.test", client_id=acme.id)
    bob = person(tenant, "Bob", "sales rep", "sales.example.test")
    eng = person(tenant, "Eve Engineer", "Engineer", "sales.example.test", client_id=acme.id)
    person(tenant, "Sam Other", "Sales", "other.example.test")  # another domain
    person(tenant, "Arch Ived", "Sales", "sales.example.test", archived_at=datetime.now(UTC))
    person(tenant, "Dora Mant", "Sales", "sales.example.test", client_id=dormant.id)  # inactive account
    opted = person(tenant, "Opal Out", "VP Sales", "sales.example.test")
    add(Contact(tenant_id=tenant, name="No Mail", title="Sales", client_id=acme.id))
    add(EmailSuppression(tenant_id=tenant, email=(opted.email or "").lower(), reason="opt_out"))
    hour = now_hour()
    h = hour_start(hour).hour
    sales = campaign(
        tenant,
        AudienceFilter(title_contains="SALES", email_domains=["sales.example.test"]),
        (h, (h + 1) % 24),  # open now
        "Sales news",
    )
    later = campaign(tenant, AudienceFilter(account_ids=[acme.id]), ((h + 2) % 24, (h + 3) % 24), "Acme news")

    await run_cycle(client, tenant, hour)

    # the open campaign: exactly its audience, each email rendered for its contact
    assert statuses(sales) == {ada.id: "sent", bob.id: "sent", opted.id: "skipped"}
    assert one(CampaignContactStatus, contact_id=opted.id).detail == "suppressed"
    a, b = only(agent_stack, ada), only(agent_stack, bob)
    assert (a["Subject"], a.get_content().strip()) == (
        "News for Acme Lending",
        "Hello Ada,\nour rates for Acme Lending changed.",
    )
    assert (b["Subject"], b.get_content().strip()) == ("News for you", "Hello Bob,\nour rates for  changed.")
    assert mail_to(agent_stack, opted.email or "") == [] and mail_to(agent_stack, eng.email or "") == []
    assert one(Campaign, id=sales.id).status == "completed"

    # the closed one: materialized, not sent, deferred to its window's opening with the reason
    assert statuses(later) == {ada.id: "pending", eng.id: "pending"}
    assert one(Campaign, id=later.id).status == "scheduled"
    opens = next_hour(next_hour(hour))
    deferred = one(DeferredAction, tenant_id=tenant)
    assert deferred.action["target_id"] == later.id
    assert (deferred.not_before_hour, deferred.status) == (opens, "pending")
    v = one(PolicyViolation, tenant_id=tenant, rule="send_window")
    assert not v.blocked and f"deferred to hour {opens}" in v.reason
    assert f"{(h + 2) % 24:02d}:00-{(h + 3) % 24:02d}:00 UTC" in v.reason
    with owner_transaction() as s:  # materializing again adds nobody
        assert campaign_audience.materialize(s, tenant, later.id, later.audience or {}) == 0
        s.rollback()

    # an hour later, still closed: not proposed again (one deferral, nothing sent)
    await run_cycle(client, tenant, next_hour(hour))
    batches = rows(AgentRunAction, tenant_id=tenant, kind="send_broadcast_batch")
    assert sorted(r.target_id for r in batches) == sorted([sales.id, later.id])  # one each, in hour 1
    assert one(DeferredAction, tenant_id=tenant).deferrals == 1
    assert len(mail_to(agent_stack, ada.email or "")) == 1

    # at the window's opening the deferred batch goes out, rendered, and is done
    await run_cycle(client, tenant, opens)
    assert statuses(later) == {ada.id: "sent", eng.id: "sent"}
    assert one(DeferredAction, tenant_id=tenant).status == "done"
    assert one(Campaign, id=later.id).status == "completed"
    second = mail_to(agent_stack, ada.email or "")[-1]
    assert second["Subject"] == "News for Acme Lending" and "Hello Ada," in second.get_content()
    assert only(agent_stack, eng).get_content().startswith("Hello Eve,")
