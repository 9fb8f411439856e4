"""The business-data API on the real stack (issue 12, Build 1): every record type's create, read,
update, list and archive; validation errors that name their field; another tenant's ids are 404 on
every record route; cursor pages that walk every row once; order transitions and documents."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest

from api.records.specs import RECORDS
from tests.integration.cycle_helpers import enable
from tests.integration.helpers import headers

T0 = "2026-11-01T00:00:00+00:00"
T1 = "2026-12-01T00:00:00+00:00"


def bodies(account_id: str, contact_id: str) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Per record type: a valid create body and a valid change."""
    return {
        "account": (
            {"name": "Acme", "external_id": f"x-{uuid.uuid4().hex[:6]}", "credit_limit": "5000"},
            {"name": "Acme 2"},
        ),
        "contact": (
            {"name": "Pat", "email": f"Pat-{uuid.uuid4().hex[:6]}@Example.TEST", "client_id": account_id},
            {"title": "Buyer"},
        ),
        "product": (
            {"code": f"P{uuid.uuid4().hex[:6]}", "name": "Appraisal", "fee": "450"},
            {"fee": "475.50"},
        ),
        "order": (
            {
                "external_id": f"o-{uuid.uuid4().hex[:6]}",
                "client_id": account_id,
                "fee_amount": "450",
                "total_amount": "475",
            },
            {"property_address": "1 Main St"},
        ),
        "quote": (
            {
                "title": "Q1",
                "contact_id": contact_id,
                "line_items": [
                    {"description": "Appraisal", "quantity": "2", "unit_price": "450"},
                    {"description": "Rush fee", "quantity": "1", "unit_price": "75.25"},
                ],
            },
            {"line_items": [{"description": "Appraisal", "quantity": "1", "unit_price": "450"}]},
        ),
        "deal": ({"title": "Renewal", "contact_id": contact_id, "value": "12000"}, {"value": "15000"}),
        "campaign": (
            {
                "name": "Fall",
                "subject": "News for {{account.name|you}}",
                "body": "Hello {{contact.first_name}}",
                "scheduled_at": T1,
                "audience": {"email_domains": ["example.test"]},
                "send_window_start_hour": 9,
                "send_window_end_hour": 17,
            },
            {"batch_size": 20},
        ),
        "goal": (
            {"metric": "revenue", "target": "100000", "period_start": T0, "period_end": T1},
            {"target": "90000"},
        ),
    }


def _same(got: Any, sent: Any) -> bool:
    try:
        return Decimal(str(got)) == Decimal(str(sent))
    except InvalidOperation:
        return bool(got == sent)


async def _seed(api: Any, h: dict[str, str]) -> tuple[str, str]:
    a = await api.post("/api/accounts", json={"name": "Base"}, headers=h)
    assert a.status_code == 201, a.text
    c = await api.post(
        "/api/contacts", json={"name": "Base", "email": f"b-{uuid.uuid4().hex[:6]}@example.test"}, headers=h
    )
    assert c.status_code == 201, c.text
    return a.json()["id"], c.json()["id"]


async def test_every_record_type_round_trips(api: Any, tenant: str) -> None:
    enable(tenant)
    h = headers(tenant, roles=("admin",))
    account_id, contact_id = await _seed(api, h)
    for rec in RECORDS:
        create, change = bodies(account_id, contact_id)[rec.spec.name]
        r = await api.post(rec.path, json=create, headers=h)
        assert r.status_code == 201, (rec.path, r.text)
        made = r.json()
        rid = made["id"]
        assert made["tenant_id"] == tenant and made["archived_at"] is None
        got = (await api.get(f"{rec.path}/{rid}", headers=h)).json()
        assert got == made
        r = await api.patch(f"{rec.path}/{rid}", json=change, headers=h)
        assert r.status_code == 200, (rec.path, r.text)
        for k, v in change.items():
            if k != "line_items":
                assert _same(r.json()[k], v), (rec.path, k)
        assert r.json()["updated_at"] is not None
        listed = (await api.get(rec.path, headers=h)).json()
        assert rid in [i["id"] for i in listed["items"]]
        r = await api.post(f"{rec.path}/{rid}/archive", headers=h)
        assert r.status_code == 200 and r.json()["archived_at"]
        assert (await api.post(f"{rec.path}/{rid}/archive", headers=h)).status_code == 409
        assert rid not in [i["id"] for i in (await api.get(rec.path, headers=h)).json()["items"]]
        assert rid in [
            i["id"] for i in (await api.get(f"{rec.path}?archived=true", headers=h)).json()["items"]
        ]
        assert (await api.patch(f"{rec.path}/{rid}", json=change, headers=h)).status_code == 409


async def test_a_quote_amount_is_its_line_items_total(api: Any, tenant: str) -> None:
    enable(tenant)
    h = headers(tenant)
    _, contact_id = await _seed(api, h)
    create, change = bodies("", contact_id)["quote"]
    q = (await api.post("/api/quotes", json=create, headers=h)).json()
    assert q["amount"] == "975.25" and q["status"] == "draft"
    q2 = (await api.patch(f"/api/quotes/{q['id']}", json=change, headers=h)).json()
    assert q2["amount"] == "450.00"
    r = await api.post("/api/quotes", json={**create, "amount": "1"}, headers=h)
    assert r.status_code == 400 and "amount" in r.text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/contacts", {"email": "not an address"}, "email"),
        ("/api/contacts", {"emial": "typo@example.test"}, "emial"),
        ("/api/accounts", {"name": ""}, "name"),
        ("/api/accounts", {"name": "A", "credit_limit": "-1"}, "credit_limit"),
        ("/api/products", {"code": "X", "fee": "-5"}, "fee"),
        ("/api/orders", {"billing_method": "barter"}, "billing_method"),
        (
            "/api/goals",
            {"metric": "orders", "target": "5", "period_start": T1, "period_end": T0},
            "period_end",
        ),
        (
            "/api/campaigns",
            {"name": "n", "subject": "{{contact.ssn}}", "body": "b", "scheduled_at": T1},
            "subject",
        ),
        (
            "/api/campaigns",
            {"name": "n", "subject": "s", "body": "b", "scheduled_at": T1, "send_window_start_hour": 25},
            "send_window_start_hour",
        ),
        ("/api/deals", {"title": "d", "value": "abc"}, "value"),
    ],
)
async def test_a_validation_error_names_its_field(
    api: Any, tenant: str, path: str, body: dict[str, Any], field: str
) -> None:
    enable(tenant)
    r = await api.post(path, json=body, headers=headers(tenant))
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in r.text


async def test_references_and_natural_keys_name_their_field(api: Any, tenant: str) -> None:
    enable(tenant)
    h = headers(tenant)
    r = await api.post("/api/contacts", json={"email": "x@example.test", "client_id": "nope"}, headers=h)
    assert r.status_code == 422 and "client_id" in r.text
    mail = f"dup-{uuid.uuid4().hex[:6]}@example.test"
    assert (await api.post("/api/contacts", json={"email": mail}, headers=h)).status_code == 201
    r = await api.post("/api/contacts", json={"email": mail.upper()}, headers=h)
    assert r.status_code == 409 and "email" in r.text


async def test_another_tenants_ids_are_404_on_every_record_route(api: Any, tenant: str) -> None:
    other = f"t-{uuid.uuid4().hex[:10]}"
    enable(tenant)
    enable(other)
    ha, hb = headers(tenant), headers(other)
    account_id, contact_id = await _seed(api, ha)
    ids = {}
    for rec in RECORDS:
        create, _ = bodies(account_id, contact_id)[rec.spec.name]
        ids[rec.spec.name] = (await api.post(rec.path, json=create, headers=ha)).json()["id"]
    checked = 0
    for rec in RECORDS:
        rid, (_, change) = ids[rec.spec.name], bodies(account_id, contact_id)[rec.spec.name]
        for method, url, kw in (
            ("GET", f"{rec.path}/{rid}", {}),
            ("PATCH", f"{rec.path}/{rid}", {"json": change}),
            ("POST", f"{rec.path}/{rid}/archive", {}),
        ):
            r = await api.request(method, url, headers=hb, **kw)
            assert r.status_code == 404, (method, url, r.status_code)
            checked += 1
        assert rid not in [i["id"] for i in (await api.get(rec.path, headers=hb)).json()["items"]]
    oid = ids["order"]
    for method, url, kw in (
        ("POST", f"/api/orders/{oid}/status", {"json": {"status": "in_progress"}}),
        ("POST", f"/api/orders/{oid}/documents", {"json": {"kind": "invoice"}}),
        ("GET", f"/api/orders/{oid}/documents", {}),
    ):
        assert (await api.request(method, url, headers=hb, **kw)).status_code == 404
        checked += 1
    # B cannot point its own records at A's rows either
    r = await api.post("/api/contacts", json={"email": "b@example.test", "client_id": account_id}, headers=hb)
    assert r.status_code == 422
    assert checked == 3 * len(RECORDS) + 3
    assert (await api.get(f"/api/accounts/{account_id}", headers=ha)).status_code == 200


async def test_cursor_pages_walk_every_row_once_with_filters_and_sorts(api: Any, tenant: str) -> None:
    enable(tenant)
    h = headers(tenant)
    names = [f"Acct {i:02d}" for i in range(23)]
    for i, n in enumerate(names):
        body = {"name": n, "active": i % 2 == 0}
        assert (await api.post("/api/accounts", json=body, headers=h)).status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        url = "/api/accounts?limit=5&sort=name" + (f"&cursor={cursor}" if cursor else "")
        page = (await api.get(url, headers=h)).json()
        seen += [i["name"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(names)
    active = (await api.get("/api/accounts?active=true&limit=100&sort=-name", headers=h)).json()["items"]
    assert [a["name"] for a in active] == sorted(names[::2], reverse=True)
    contains = (await api.get("/api/accounts?name=cct 1&limit=100", headers=h)).json()["items"]
    assert {a["name"] for a in contains} == {n for n in names if "cct 1" in n}
    for bad in (
        "/api/accounts?colour=red",
        "/api/accounts?sort=credit_limit",
        "/api/accounts?cursor=garbage",
    ):
        r = await api.get(bad, headers=h)
        assert r.status_code == 400, (bad, r.text)
    other_sort_cursor = (await api.get("/api/accounts?limit=5&sort=name", headers=h)).json()["next_cursor"]
    assert (await api.get(f"/api/accounts?cursor={other_sort_cursor}", headers=h)).status_code == 400


async def test_order_status_moves_only_along_its_transitions_and_keeps_its_documents(
    api: Any, tenant: str
) -> None:
    enable(tenant)
    h = headers(tenant, roles=("member",))
    o = (await api.post("/api/orders", json={"external_id": "o-1"}, headers=h)).json()
    url = f"/api/orders/{o['id']}"
    assert (await api.patch(url, json={"status": "delivered"}, headers=h)).status_code == 400
    r = await api.post(f"{url}/status", json={"status": "delivered"}, headers=h)
    assert r.status_code == 409 and "new" in r.text and "delivered" in r.text
    assert (await api.post(f"{url}/status", json={"status": "in_progress"}, headers=h)).json()[
        "status"
    ] == "in_progress"
    done = (await api.post(f"{url}/status", json={"status": "delivered"}, headers=h)).json()
    assert done["status"] == "delivered" and done["delivered_at"]
    assert (await api.post(f"{url}/status", json={"status": "cancelled"}, headers=h)).status_code == 409
    doc = {"kind": "appraisal_report", "filename": "report.pdf", "required": True}
    assert (await api.post(f"{url}/documents", json=doc, headers=h)).status_code == 201
    docs = (await api.get(f"{url}/documents", headers=h)).json()
    assert [(d["kind"], d["filename"], d["required"]) for d in docs] == [
        ("appraisal_report", "report.pdf", True)
    ]
    # a viewer reads but cannot write; archiving needs an admin
    v = headers(tenant, roles=("viewer",))
    assert (await api.get(url, headers=v)).status_code == 200
    assert (await api.post("/api/orders", json={"external_id": "o-2"}, headers=v)).status_code == 403
    assert (await api.post(f"{url}/archive", headers=h)).status_code == 403


async def test_a_new_tenants_first_record_and_first_import_create_the_tenant(api: Any) -> None:
    fresh = f"t-{uuid.uuid4().hex[:10]}"
    h = headers(fresh)
    assert (await api.post("/api/accounts", json={"name": "First"}, headers=h)).status_code == 201
    other = f"t-{uuid.uuid4().hex[:10]}"
    r = await api.post(
        "/api/imports",
        files={"file": ("c.csv", b"email\nfirst@example.test\n", "text/csv")},
        data={"entity": "contacts"},
        headers=headers(other),
    )
    assert r.status_code == 202, r.text
