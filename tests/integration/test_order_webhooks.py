"""Signed order webhooks on the real stack (issue 12, Build 3): Standard Webhooks signatures with
the tenant's secret from Vault, replay and timestamp protection, idempotent deliveries, and a new
order picked up by the next hourly cycle's order processor."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook
from temporalio.client import Client

from core.temporal import connect
from schema.business import Order
from schema.order_review import OrderProcessing
from tests.integration.cycle_helpers import account, enable, now_hour, one, product, rows, run_cycle
from tests.integration.helpers import headers
from workflows import ids


def signed(
    secret: str, event: dict[str, Any], *, msg_id: str | None = None, at: datetime | None = None
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event)
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)
    sig = Webhook(secret).sign(msg_id, at, body)
    return body.encode(), {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": sig,
        "content-type": "application/json",
    }


def order_event(external_id: str, client_id: str | None = None, **over: Any) -> dict[str, Any]:
    data = {
        "external_id": external_id,
        "client_id": client_id,
        "product_code": "APPR",
        "fee_amount": "450",
        "tech_fee": "25",
        "total_amount": "475",
        "billing_method": "bill",
        "property_address": "1 Main St",
        "borrower_name": "Sam",
        "borrower_email": "sam@example.test",
        "property_contact_name": "Kim",
        "property_contact_phone": "555-0100",
        **over,
    }
    return {"type": "order.created", "data": data}


async def secret_for(api: Any, tenant: str) -> str:
    r = await api.post("/api/intake/order-webhook/secret", headers=headers(tenant))
    assert r.status_code == 201, r.text
    assert r.json()["url"].endswith(f"/hooks/orders/{tenant}")
    return str(r.json()["secret"])


@pytest.fixture
async def client(agent_stack: Any, peer: object) -> Client:
    """With the Messages-API peer unscripted, the AI planner fails fast and the rules plan."""
    return await connect(scoping=ids)


async def test_a_signed_delivery_creates_the_order_once_and_the_next_cycle_validates_it(
    api: Any, client: Client, tenant: str
) -> None:
    enable(tenant)
    acct = account(tenant)
    product(tenant)
    secret = await secret_for(api, tenant)
    body, hdrs = signed(secret, order_event("ext-1", acct.id))
    r = await api.post(f"/hooks/orders/{tenant}", content=body, headers=hdrs)
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "created" and not r.json()["replayed"]
    again = await api.post(f"/hooks/orders/{tenant}", content=body, headers=hdrs)
    assert again.status_code == 200 and again.json() == {**r.json(), "replayed": True, "order_id": None}
    orders = rows(Order, tenant_id=tenant)
    assert len(orders) == 1 and orders[0].source == "webhook" and orders[0].processing_status == "new"
    before = orders[0].updated_at

    # an update under a new delivery id changes the order; the same content again changes nothing
    body2, hdrs2 = signed(
        secret, {**order_event("ext-1", acct.id, borrower_name="Sam Q."), "type": "order.updated"}
    )
    assert (await api.post(f"/hooks/orders/{tenant}", content=body2, headers=hdrs2)).json()[
        "outcome"
    ] == "updated"
    body3, hdrs3 = signed(
        secret, {**order_event("ext-1", acct.id, borrower_name="Sam Q."), "type": "order.updated"}
    )
    assert (await api.post(f"/hooks/orders/{tenant}", content=body3, headers=hdrs3)).json()[
        "outcome"
    ] == "unchanged"
    order = one(Order, tenant_id=tenant)
    assert order.borrower_name == "Sam Q." and order.updated_at != before

    result = await run_cycle(client, tenant, now_hour())
    assert result.status == "completed"
    assert one(Order, tenant_id=tenant).processing_status == "validated"
    assert one(OrderProcessing, tenant_id=tenant).status == "validated"


async def test_unverified_deliveries_are_401_and_change_nothing(api: Any, tenant: str) -> None:
    enable(tenant)
    secret = await secret_for(api, tenant)
    other = f"t-{uuid.uuid4().hex[:10]}"
    enable(other)
    other_secret = await secret_for(api, other)
    event = order_event("ext-x")
    body, hdrs = signed(secret, event)
    attempts = [
        ("bad signature", body, {**hdrs, "webhook-signature": "v1," + "A" * 44}),
        ("tampered body", body.replace(b"ext-x", b"ext-y"), hdrs),
        ("other tenant's secret", *signed(other_secret, event)),
        ("old timestamp", *signed(secret, event, at=datetime.now(UTC) - timedelta(minutes=10))),
        ("future timestamp", *signed(secret, event, at=datetime.now(UTC) + timedelta(minutes=10))),
        ("no headers", body, {"content-type": "application/json"}),
        ("garbage signature", body, {**hdrs, "webhook-signature": "garbage"}),
    ]
    for what, b, h in attempts:
        r = await api.post(f"/hooks/orders/{tenant}", content=b, headers=h)
        assert r.status_code == 401, (what, r.status_code, r.text)
    # unknown, reserved and malformed tenants get the very same answer
    for t in (f"t-{uuid.uuid4().hex[:10]}", "fanout", "Bad_Slug"):
        r = await api.post(f"/hooks/orders/{t}", content=body, headers=hdrs)
        assert r.status_code == 401 and r.json()["detail"] == "the delivery could not be verified", t
    assert rows(Order, tenant_id=tenant) == []


async def test_bad_data_is_422_naming_the_field_and_the_secret_is_shown_once(api: Any, tenant: str) -> None:
    enable(tenant)
    secret = await secret_for(api, tenant)
    body, hdrs = signed(secret, order_event("ext-2", fee_amount="-3"))
    r = await api.post(f"/hooks/orders/{tenant}", content=body, headers=hdrs)
    assert r.status_code in (400, 422) and "fee_amount" in r.text
    body, hdrs = signed(secret, order_event("ext-3", client_id="not-mine"))
    r = await api.post(f"/hooks/orders/{tenant}", content=body, headers=hdrs)
    assert r.status_code == 422 and "client_id" in r.text
    cfg = (await api.get("/api/intake/order-webhook", headers=headers(tenant))).json()
    assert cfg["configured"] is True and secret not in json.dumps(cfg)
    assert (
        await api.post("/api/intake/order-webhook/secret", headers=headers(tenant, roles=("member",)))
    ).status_code == 403
    # after a rotation the previous secret still verifies (no gap for the host), the one before not
    new = await secret_for(api, tenant)
    body, hdrs = signed(secret, order_event("ext-4"))
    assert (await api.post(f"/hooks/orders/{tenant}", content=body, headers=hdrs)).status_code == 200
    await secret_for(api, tenant)
    body, hdrs = signed(secret, order_event("ext-5"))
    assert (await api.post(f"/hooks/orders/{tenant}", content=body, headers=hdrs)).status_code == 401
    assert new
