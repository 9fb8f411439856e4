"""Opportunity signals on the real stack (issue 13 Build 8): the repository on Postgres with RLS
(idempotent per message and kind, unacted, mark acted) and ``GET /api/inbox/signals`` through
the API in process: filters, keyset pages, roles, and tenant B never seeing tenant A's signals.
The signals come from a realistic fixture through the real parser (activities/inbox)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from activities.inbox.body import body_text
from activities.inbox.reply_text import split_reply
from activities.inbox.signals import detect_signals
from schema.db import get_engine, owner_transaction, tenant_transaction
from schema.repositories import signals as repo
from schema.repositories.tenants import ensure_tenant
from tests.integration.cycle_helpers import account, contact
from tests.integration.helpers import headers
from tests.unit.mail_fixtures import load
from workflows.mail_models import DetectedSignal

URL = "/api/inbox/signals"


@pytest.fixture(scope="module")
async def signals_api(infra: Any) -> AsyncIterator[Any]:
    """The API in process over Postgres, Vault and Temporal (no workers needed)."""
    from litestar.testing import AsyncTestClient

    from api.app import create_app

    async with AsyncTestClient(app=create_app(), timeout=30) as client:
        yield client


def fixture_signals(name: str) -> list[DetectedSignal]:
    msg = load(name)
    return detect_signals(split_reply(body_text(msg)).text)


def record(tenant: str, message: str, found: list[DetectedSignal], **ids: str | None) -> int:
    with tenant_transaction(get_engine(), tenant) as s:
        n = repo.record_signals(s, tenant, message, found, **ids)
        s.commit()
        return n


def new_tenant(tenant: str) -> None:
    with owner_transaction() as s:
        ensure_tenant(s, tenant)
        s.commit()


async def test_recording_is_idempotent_and_acting_removes_from_unacted(infra: Any, tenant: str) -> None:
    new_tenant(tenant)
    acct = account(tenant)
    person = contact(tenant, f"lisa@{tenant}.example", client_id=acct.id)
    found = fixture_signals("iphone_complaint.eml")
    assert {s.kind for s in found} == {"complaint", "urgency"}
    assert record(tenant, "in-1", found, contact_id=person.id, account_id=acct.id) == 2
    assert record(tenant, "in-1", found, contact_id=person.id, account_id=acct.id) == 0  # a retry
    assert record(tenant, "in-2", fixture_signals("gmail_reply_signature.eml")) == 2
    with tenant_transaction(get_engine(), tenant) as s:
        open_ = repo.unacted(s, tenant)
        assert [r.kind for r in open_][:1] == ["complaint"]  # strongest first (0.8)
        assert {(r.kind, r.strength) for r in open_} == {
            ("complaint", 0.8), ("urgency", 0.7), ("upsell", 0.6), ("renewal", 0.7)
        }  # fmt: skip
        complaint = next(r for r in open_ if r.kind == "complaint")
        assert (complaint.contact_id, complaint.account_id) == (person.id, acct.id)
        assert "arrived damaged" in complaint.evidence
        assert repo.mark_acted(s, tenant, [complaint.id]) == 1
        assert repo.mark_acted(s, tenant, [complaint.id]) == 0
        s.commit()
    with tenant_transaction(get_engine(), tenant) as s:
        assert "complaint" not in {r.kind for r in repo.unacted(s, tenant)}


async def test_the_route_filters_pages_and_isolates_tenants(
    infra: Any, signals_api: Any, tenant: str
) -> None:
    other = f"{tenant}-b"
    new_tenant(tenant)
    new_tenant(other)
    for i in range(3):
        record(tenant, f"m-{i}", fixture_signals("iphone_complaint.eml"))
    record(other, "m-b", fixture_signals("gmail_reply_signature.eml"))
    with tenant_transaction(get_engine(), tenant) as s:
        first = repo.unacted(s, tenant, limit=1)[0]
        repo.mark_acted(s, tenant, [first.id])
        s.commit()

    viewer = headers(tenant, roles=("viewer",))
    r = await signals_api.get(URL, headers=viewer, params={"limit": 4})
    assert r.status_code == 200, r.text
    page1 = r.json()
    assert len(page1["items"]) == 4 and page1["next_cursor"]
    r = await signals_api.get(URL, headers=viewer, params={"limit": 4, "cursor": page1["next_cursor"]})
    page2 = r.json()
    assert len(page2["items"]) == 2 and page2["next_cursor"] is None
    every = page1["items"] + page2["items"]
    assert len({i["id"] for i in every}) == 6
    assert [i["created_at"] for i in every] == sorted((i["created_at"] for i in every), reverse=True)

    r = await signals_api.get(URL, headers=viewer, params={"kind": "urgency"})
    assert {i["kind"] for i in r.json()["items"]} == {"urgency"} and len(r.json()["items"]) == 3
    r = await signals_api.get(URL, headers=viewer, params={"acted": "true"})
    assert [i["id"] for i in r.json()["items"]] == [first.id] and r.json()["items"][0]["acted_on_at"]
    r = await signals_api.get(URL, headers=viewer, params={"acted": "false"})
    assert len(r.json()["items"]) == 5

    theirs = await signals_api.get(URL, headers=headers(other, roles=("viewer",)))
    assert {i["kind"] for i in theirs.json()["items"]} == {"upsell", "renewal"}
    assert not {i["id"] for i in theirs.json()["items"]} & {i["id"] for i in every}


async def test_bad_input_and_roles(infra: Any, signals_api: Any, tenant: str) -> None:
    new_tenant(tenant)
    viewer = headers(tenant, roles=("viewer",))
    r = await signals_api.get(URL, headers=viewer, params={"cursor": "not-a-cursor"})
    assert r.status_code == 400 and "cursor" in r.text
    r = await signals_api.get(URL, headers=viewer, params={"kind": "gossip"})
    assert r.status_code == 400 and "kind" in r.text
    r = await signals_api.get(URL, headers=viewer, params={"limit": 0})
    assert r.status_code == 400
    assert (await signals_api.get(URL)).status_code == 401
    r = await signals_api.get(URL, headers=headers(tenant, roles=("system",)))
    assert r.status_code == 403
