"""Work queues on the real stack (issue 12, Build 4): tasks, cases and order exceptions listed,
claimed, released, resolved and commented; another tenant's items are 404; alerts by scope; and
an overridden order exception lets the next cycle's order processor pass the order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from temporalio.client import Client

from core.temporal import connect
from schema.agent import AgentTask
from schema.business import Order
from schema.followups import Case
from schema.order_review import OrderException, OrderProcessing
from schema.platform import AgentAlert
from tests.integration.cycle_helpers import (
    account,
    add,
    enable,
    good_order,
    now_hour,
    one,
    product,
    rows,
    run_cycle,
)
from tests.integration.helpers import headers, operator
from workflows import ids
from workflows.cycle.hours import hour_key


@pytest.fixture
async def client(agent_stack: Any, peer: object) -> Client:
    return await connect(scoping=ids)


def seed_items(tenant: str) -> dict[str, str]:
    task = AgentTask(
        tenant_id=tenant,
        action_key=f"k-{uuid.uuid4().hex}",
        title="Call Pat on Thursday",
        reason="client_request",
        target_type="contact",
        target_id="c1",
    )
    case = Case(tenant_id=tenant, order_id=None, summary="Late report", source_key=f"s-{uuid.uuid4().hex}")
    acct = account(tenant)
    order = good_order(tenant, acct.id)
    exc = OrderException(
        tenant_id=tenant,
        order_id=order.id,
        kind="pricing",
        code="fee_differs_from_catalog",
        message="fee differs",
    )
    add(task, case, exc)
    return {"tasks": task.id, "cases": case.id, "order-exceptions": exc.id}


async def test_each_kind_is_claimed_commented_and_resolved_with_who_and_why(api: Any, tenant: str) -> None:
    enable(tenant)
    ids_ = seed_items(tenant)
    pat, kim = headers(tenant, "pat", ("member",)), headers(tenant, "kim", ("member",))
    for kind, item in ids_.items():
        base = f"/api/work/{kind}/{item}"
        listed = (await api.get(f"/api/work/{kind}?status=open", headers=pat)).json()["items"]
        assert [i["id"] for i in listed] == [item]
        r = await api.post(f"{base}/claim", headers=pat)
        assert r.status_code == 200 and r.json()["state"] == "claimed" and r.json()["claimed_by"] == "pat"
        assert (await api.post(f"{base}/claim", headers=kim)).status_code == 409
        assert (await api.post(f"{base}/release", headers=kim)).status_code == 409
        c = await api.post(f"{base}/comments", json={"body": "on it"}, headers=pat)
        assert c.status_code == 201 and c.json()["author"] == "pat"
        body: dict[str, Any] = {"resolution": "done with the client"}
        if kind == "order-exceptions":
            assert (await api.post(f"{base}/resolve", json=body, headers=pat)).status_code == 400
            body["outcome"] = "fixed"
        assert (await api.post(f"{base}/resolve", json=body, headers=kim)).status_code == 409  # pat holds it
        r = await api.post(f"{base}/resolve", json=body, headers=pat)
        assert r.status_code == 200, r.text
        done = r.json()
        assert (done["state"], done["resolved_by"], done["resolution"]) == (
            "resolved",
            "pat",
            "done with the client",
        )
        assert (await api.post(f"{base}/resolve", json=body, headers=pat)).status_code == 409
        assert [x["body"] for x in (await api.get(f"{base}/comments", headers=kim)).json()] == ["on it"]
        assert [
            i["id"] for i in (await api.get(f"/api/work/{kind}?status=resolved", headers=kim)).json()["items"]
        ] == [item]
    assert one(AgentTask, id=ids_["tasks"]).status == "done"
    assert one(Case, id=ids_["cases"]).status == "closed"
    viewer = headers(tenant, "vic", ("viewer",))
    assert (await api.get("/api/work/tasks", headers=viewer)).status_code == 200
    assert (
        await api.post(f"/api/work/tasks/{ids_['tasks']}/comments", json={"body": "x"}, headers=viewer)
    ).status_code == 403


async def test_another_tenants_items_are_404_on_every_work_route(api: Any, tenant: str) -> None:
    enable(tenant)
    ids_ = seed_items(tenant)
    other = f"t-{uuid.uuid4().hex[:10]}"
    enable(other)
    h = headers(other, roles=("admin",))
    n = 0
    for kind, item in ids_.items():
        base = f"/api/work/{kind}/{item}"
        for method, url, body in (
            ("GET", base, None),
            ("POST", f"{base}/claim", None),
            ("POST", f"{base}/release", None),
            (
                "POST",
                f"{base}/resolve",
                {"resolution": "x", "outcome": "overridden"}
                if kind == "order-exceptions"
                else {"resolution": "x"},
            ),
            ("POST", f"{base}/comments", {"body": "x"}),
            ("GET", f"{base}/comments", None),
        ):
            r = await api.request(method, url, json=body, headers=h)
            assert r.status_code == 404, (method, url, r.status_code)
            n += 1
        assert (await api.get(f"/api/work/{kind}", headers=h)).json()["items"] == []
    assert n == 18
    assert one(AgentTask, id=ids_["tasks"]).claimed_by is None


async def test_alerts_are_scoped_and_global_ones_are_for_operators(api: Any, tenant: str) -> None:
    enable(tenant)
    other = f"t-{uuid.uuid4().hex[:10]}"
    window = uuid.uuid4().hex[:10]
    mine = AgentAlert(kind="exception_rate", scope=tenant, window=window, severity="warning", message="high")
    theirs = AgentAlert(kind="exception_rate", scope=other, window=window, severity="warning", message="high")
    glob = AgentAlert(
        kind="provider_failures", scope="global", window=window, severity="critical", message="smtp"
    )
    add(mine, theirs, glob)
    h = headers(tenant)
    seen = {a["id"] for a in (await api.get("/api/alerts?limit=500", headers=h)).json()["items"]}
    assert mine.id in seen and glob.id in seen and theirs.id not in seen
    r = await api.post(f"/api/alerts/{mine.id}/acknowledge", headers=h)
    assert r.status_code == 200 and r.json()["acknowledged_by"] == "alice"
    assert (await api.post(f"/api/alerts/{theirs.id}/resolve", headers=h)).status_code == 404
    assert (await api.post(f"/api/alerts/{glob.id}/resolve", headers=h)).status_code == 403
    assert (
        await api.post(f"/api/alerts/{mine.id}/resolve", headers=headers(tenant, roles=("member",)))
    ).status_code == 403
    assert (await api.post(f"/api/alerts/{mine.id}/resolve", headers=h)).json()["resolved_by"] == "alice"
    assert (await api.post(f"/api/alerts/{mine.id}/resolve", headers=h)).status_code == 409
    assert (await api.post(f"/api/alerts/{glob.id}/resolve", headers=operator())).status_code == 200


async def test_an_overridden_exception_lets_the_next_cycle_pass_the_order(
    api: Any, client: Client, tenant: str
) -> None:
    enable(tenant)
    broke = account(tenant, credit_limit="100")
    product(tenant)
    order = good_order(tenant, broke.id)
    fixable = good_order(tenant, broke.id, property_address=None, total_amount=Decimal("475"))
    await run_cycle(client, tenant, now_hour())
    assert one(Order, id=order.id).processing_status == "exception"
    [exc] = rows(OrderException, order_id=order.id)
    assert exc.code == "credit_limit_exceeded"
    h = headers(tenant, "ops", ("member",))
    r = await api.post(
        f"/api/work/order-exceptions/{exc.id}/resolve",
        json={"resolution": "approved by finance", "outcome": "overridden"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert one(Order, id=order.id).processing_status == "new"
    # the other order: its exceptions "fixed" without fixing the data come back open
    for e in rows(OrderException, order_id=fixable.id):
        await api.post(
            f"/api/work/order-exceptions/{e.id}/resolve",
            json={"resolution": "fixed it", "outcome": "fixed"},
            headers=h,
        )
    assert one(Order, id=fixable.id).processing_status == "new"

    await run_cycle(client, tenant, hour_key(datetime.now(UTC) + timedelta(hours=1)))
    assert one(Order, id=order.id).processing_status == "validated"
    assert one(OrderProcessing, order_id=order.id).status == "validated"
    assert one(OrderException, id=exc.id).outcome == "overridden"
    assert one(Order, id=fixable.id).processing_status == "exception"
    reopened = [e for e in rows(OrderException, order_id=fixable.id) if e.code == "missing_property_address"]
    assert reopened and reopened[0].resolved_at is None and reopened[0].outcome is None
