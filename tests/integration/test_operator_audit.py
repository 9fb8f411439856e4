"""Platform operators versus a tenant token claiming ``operator`` (issue 11, Build 2), and the
operator audit log: the issue's attacks (tenant ``other``'s operator token reading tenant
``demo``'s cycle runs, pausing its hourly schedule, deleting it) are refused; a platform operator
doing the same leaves exactly one ``operator_audit`` row per request, naming the tenant."""

from __future__ import annotations

import uuid
from typing import Any

from api.auth import mint_platform_token
from core.settings import get_settings
from core.temporal import connect
from schema.db import owner_transaction
from schema.repositories import operator_audit
from tests.integration.helpers import headers
from workflows import ids


def audit_rows(actor: str) -> list[Any]:
    with owner_transaction() as s:
        return [r for r in operator_audit.entries(s, limit=500) if r.actor == actor][::-1]


def platform(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_platform_token(get_settings(), user)}"}


async def schedule_state(tenant: str) -> bool | None:
    """The victim's hourly schedule: paused or not; None when it does not exist."""
    try:
        return (
            await (await connect(scoping=ids)).get_schedule_handle(f"cycle-schedule-{tenant}").describe()
        ).schedule.state.paused
    except Exception:
        return None


async def test_a_tenant_operator_claim_is_refused_on_every_operator_route(api: Any, tenant: str) -> None:
    victim = f"{tenant}-demo"
    r = await api.put(f"/api/admin/agent/tenants/{victim}/schedule", headers=headers(victim), json={})
    assert r.status_code == 200, r.text
    fake = headers(f"{tenant}-other", user="mallory", roles=("operator", "admin", "owner"))
    attacks = [
        ("GET", "/api/admin/agent/runs", {"tenant_id": victim}, None),
        ("GET", "/api/admin/agent/health", {"tenant_id": victim}, None),
        ("GET", "/api/admin/agent", {"tenant_id": victim}, None),
        ("PUT", f"/api/admin/agent/tenants/{victim}/schedule", {}, {"paused": True}),
        ("DELETE", f"/api/admin/agent/tenants/{victim}/schedule", {}, None),
        ("POST", f"/api/admin/agent/tenants/{victim}/run", {}, None),
        ("POST", "/api/admin/agent", {}, {"tenant_id": victim, "agent_enabled": False}),
        ("GET", "/api/admin/operator-audit", {"tenant_id": victim}, None),
        ("POST", "/api/admin/site-allowlist", {}, {"tenant_id": victim, "origin": "http://evil.test"}),
    ]
    statuses = []
    for method, url, params, body in attacks:
        r = await api.request(method, url, params=params, headers=fake, **({"json": body} if body else {}))
        statuses.append(r.status_code)
        assert victim not in r.text.replace(url, "").replace(f"'{victim}'", ""), r.text
    # a tenant admin token (here even with the owner role) naming another tenant: 404, never 2xx
    assert all(s in (403, 404) for s in statuses), statuses
    # with no tenant role at all, the claim alone gets 403 on every operator-only route
    bare = headers(f"{tenant}-other", user="mallory", roles=("operator",))
    for url in ("/api/admin/agent/runs", "/api/admin/site-allowlist", "/api/admin/operator-audit"):
        r = await api.get(url, headers=bare, params={"tenant_id": victim})
        assert r.status_code == 403, r.text
    r = await api.post("/api/admin/agent/runs", headers=fake)
    assert r.status_code == 403 and "platform operators" in r.json()["detail"]
    assert await schedule_state(victim) is False  # neither paused nor deleted
    print(f"\ntenant-operator attacks: {len(statuses) + 4} attempts, refused all, leaked 0")
    await api.delete(f"/api/admin/agent/tenants/{victim}/schedule", headers=headers(victim))


async def test_each_platform_operator_action_leaves_one_audit_row_naming_the_tenant(
    api: Any, tenant: str
) -> None:
    ops = f"ops-{uuid.uuid4().hex[:8]}"
    op = platform(ops)
    switch = {"tenant_id": tenant, "agent_enabled": False}
    calls = [
        ("PUT", f"/api/admin/agent/tenants/{tenant}/schedule", {}, {"paused": True}, 200, "putCycleSchedule"),
        ("GET", "/api/admin/agent/runs", {"tenant_id": tenant}, None, 200, "listCycleRuns"),
        ("POST", "/api/admin/agent", {}, switch, 200, "setAgentSwitch"),
        ("DELETE", f"/api/admin/agent/tenants/{tenant}/schedule", {}, None, 204, "deleteCycleSchedule"),
        ("GET", f"/api/admin/agent/tenants/{tenant}/schedule", {}, None, 404, "getCycleSchedule"),
        ("GET", "/api/admin/agent/runs", {}, None, 200, "listCycleRuns"),  # platform-wide
        ("GET", "/api/autonomous/history", {}, None, 403, "listOperations"),  # a tenant data route
        ("GET", "/api/admin/operator-audit", {"tenant_id": tenant}, None, 200, "listOperatorAudit"),
    ]
    for method, url, params, body, status, _ in calls:
        r = await api.request(method, url, params=params, headers=op, **({"json": body} if body else {}))
        assert r.status_code == status, (url, r.text)
    rows = audit_rows(ops)
    expected_tenants = [tenant, tenant, tenant, tenant, tenant, None, None, tenant]
    assert [(r.action, r.tenant_id, r.detail["status"]) for r in rows] == [
        (c[5], t, c[4]) for c, t in zip(calls, expected_tenants, strict=True)
    ]
    assert all(r.issuer == get_settings().auth.platform_issuer for r in rows)
    assert all(set(r.detail) == {"method", "path", "status"} for r in rows)  # no bodies, no queries

    # tenant users leave no audit rows; the tenant's owner reads its own tenant's entries
    owner = headers(tenant, user="olive", roles=("owner",))
    seen = (await api.get("/api/admin/operator-audit", headers=owner)).json()
    assert {e["actor"] for e in seen} == {ops} and {e["tenant_id"] for e in seen} == {tenant}
    assert len(seen) == 6
    r = await api.get("/api/admin/operator-audit", headers=owner, params={"tenant_id": f"{tenant}-x"})
    assert r.status_code == 404
    r = await api.get("/api/admin/operator-audit", headers=headers(tenant, roles=("admin",)))
    assert r.status_code == 403
    assert len(audit_rows(ops)) == len(calls)
