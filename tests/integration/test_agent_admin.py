"""The admin API of the hourly cycle: switches, schedules, run-now, runs and health (issue 4)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from temporalio.client import ScheduleOverlapPolicy

from core.temporal import connect
from schema.platform import AgentAlert
from tests.clock import clear_of_the_hour_turn
from tests.integration.cycle_helpers import contact, enable, rows
from tests.integration.helpers import headers, operator
from workflows import ids

SEED_METRICS = {
    "agent.cycles.completed",
    "agent.cycles.failed",
    "agent.actions.planned",
    "agent.actions.executed",
    "agent.actions.blocked",
    "agent.engagement.compliance_rate",
    "agent.orders.processed",
    "agent.orders.exceptions",
    "gmail.messages.processed",
    "gmail.cards.created",
    "agent.sandbox.jobs_count",
    "agent.sandbox.fail_rate",
}


async def wait_run(api: Any, tenant: str, run_id: str) -> dict[str, Any]:
    for _ in range(300):
        r = await api.get(f"/api/admin/agent/runs/{run_id}", headers=headers(tenant))
        if r.status_code == 200 and r.json()["status"] != "running":
            return r.json()  # type: ignore[no-any-return]
        await asyncio.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish")


async def test_enabling_a_tenant_creates_its_hourly_schedule_and_disabling_pauses_it(
    api: Any, tenant: str
) -> None:
    r = await api.post(
        "/api/admin/agent", headers=headers(tenant), json={"agent_enabled": True, "reason": "pilot"}
    )
    assert r.status_code == 200, r.text
    state = r.json()
    assert state["tenant"]["agent_enabled"] is True
    sched = state["tenant"]["schedule"]
    assert (sched["id"], sched["paused"], sched["overlap"]) == (f"cycle-schedule-{tenant}", False, "SKIP")
    nxt = datetime.fromisoformat(sched["next_action_times"][0])
    assert sched["jitter_s"] == 60 and nxt.minute == 0  # on the hour, plus under a minute of jitter
    desc = await (await connect(scoping=ids)).get_schedule_handle(f"cycle-schedule-{tenant}").describe()
    assert desc.schedule.policy.overlap == ScheduleOverlapPolicy.SKIP

    r = await api.post(
        "/api/admin/agent", headers=headers(tenant), json={"agent_enabled": False, "reason": "holiday"}
    )
    assert r.status_code == 200 and r.json()["tenant"]["schedule"]["paused"] is True
    assert "holiday" in r.json()["tenant"]["schedule"]["note"]

    assert (
        await api.delete(f"/api/admin/agent/tenants/{tenant}/schedule", headers=headers(tenant))
    ).status_code == 204
    r = await api.get(f"/api/admin/agent/tenants/{tenant}/schedule", headers=headers(tenant))
    assert r.status_code == 404 and "no schedule" in r.json()["detail"]


async def test_re_enabling_a_tenant_unpauses_its_schedule_and_put_updates_it(api: Any, tenant: str) -> None:
    switch = "/api/admin/agent"
    path = f"/api/admin/agent/tenants/{tenant}/schedule"
    assert (await api.post(switch, headers=headers(tenant), json={"agent_enabled": True})).status_code == 200
    r = await api.post(switch, headers=headers(tenant), json={"agent_enabled": False})
    assert r.json()["tenant"]["schedule"]["paused"] is True
    r = await api.post(switch, headers=headers(tenant), json={"agent_enabled": True, "reason": "back"})
    assert r.status_code == 200 and r.json()["tenant"]["agent_enabled"] is True
    assert (
        r.json()["tenant"]["schedule"]["paused"] is False
        and "enabled by alice: back" in (r.json()["tenant"]["schedule"]["note"])
    )
    desc = await (await connect(scoping=ids)).get_schedule_handle(f"cycle-schedule-{tenant}").describe()
    assert desc.schedule.state.paused is False

    r = await api.put(path, headers=headers(tenant), json={"paused": True, "jitter_s": 120})
    assert r.status_code == 200, r.text
    assert (r.json()["id"], r.json()["paused"], r.json()["jitter_s"]) == (
        f"cycle-schedule-{tenant}",
        True,
        120,
    )
    assert r.json()["note"] == "set by alice"
    got = await api.get(path, headers=headers(tenant))
    assert got.status_code == 200 and (got.json()["paused"], got.json()["jitter_s"]) == (True, 120)
    desc = await (await connect(scoping=ids)).get_schedule_handle(f"cycle-schedule-{tenant}").describe()
    assert desc.schedule.state.paused is True and desc.schedule.spec.jitter is not None
    assert desc.schedule.spec.jitter.total_seconds() == 120

    viewer = headers(tenant, roles=("viewer",))
    assert (await api.put(path, headers=viewer, json={"paused": False})).status_code == 403
    other = f"/api/admin/agent/tenants/{tenant}-x/schedule"
    assert (await api.put(other, headers=headers(tenant), json={"paused": False})).status_code == 404
    assert (await api.put(path, headers=headers(tenant), json={"jitter_s": 5000})).status_code == 400


async def test_the_global_kill_switch_needs_an_operator_and_stops_run_now(api: Any, tenant: str) -> None:
    enable(tenant)
    op = operator("ops")
    r = await api.post("/api/admin/agent", headers=headers(tenant), json={"global_enabled": False})
    assert r.status_code == 403 and "operator" in r.json()["detail"]
    try:
        r = await api.post(
            "/api/admin/agent", headers=op, json={"global_enabled": False, "reason": "incident 42"}
        )
        assert r.status_code == 200 and r.json()["kill_switch"] == {
            **r.json()["kill_switch"],
            "global_enabled": False,
            "source": "system_config",
            "reason": "incident 42",
        }
        r = await api.post(f"/api/admin/agent/tenants/{tenant}/run", headers=headers(tenant))
        assert r.status_code == 409 and "incident 42" in r.json()["detail"]
    finally:
        r = await api.post("/api/admin/agent", headers=op, json={"global_enabled": True})
        assert r.status_code == 200
    r = await api.post(f"/api/admin/agent/tenants/{tenant}/run", headers=headers(tenant))
    assert r.status_code == 202, r.text
    run_id = r.json()["workflow_id"]
    again = await api.post(f"/api/admin/agent/tenants/{tenant}/run", headers=headers(tenant))
    assert again.status_code == 409 and "tenant lock" in again.json()["detail"]
    run = await wait_run(api, tenant, run_id)
    assert run["status"] == "completed" and run["trigger"] == "manual" and run["reflection"] is not None
    listed = (await api.get("/api/admin/agent/runs", headers=headers(tenant))).json()
    assert [x["id"] for x in listed] == [run_id]


async def test_other_tenants_are_not_found_and_viewers_are_refused(api: Any, tenant: str) -> None:
    r = await api.post("/api/admin/agent/tenants/someone-else/run", headers=headers(tenant))
    assert r.status_code == 404
    r = await api.get("/api/admin/agent", headers=headers(tenant, roles=("viewer",)))
    assert r.status_code == 403
    r = await api.post("/api/admin/agent", headers=headers(tenant), json={})
    assert r.status_code == 400 and "global_enabled and/or agent_enabled" in r.text


async def test_health_reports_the_seed_metrics_and_a_compliance_alert(api: Any, tenant: str) -> None:
    enable(tenant, max_emails_per_hour=0)  # nobody can be touched: compliance stays at 0%
    for i in range(3):
        contact(tenant, f"c{i}@example.test")
    r = await api.post(f"/api/admin/agent/tenants/{tenant}/run", headers=headers(tenant))
    assert r.status_code == 202
    await wait_run(api, tenant, r.json()["workflow_id"])

    h = await api.get("/api/admin/agent/health", headers=headers(tenant))
    assert h.status_code == 200, h.text
    body = h.json()
    assert SEED_METRICS <= set(body["metrics"])
    assert (
        body["metrics"]["agent.cycles.completed"] == 1
        and body["metrics"]["agent.engagement.compliance_rate"] == 0
    )
    assert body["metrics"]["agent.actions.planned"] == 3 and body["metrics"]["agent.actions.executed"] == 0
    assert body["status"] == "degraded" and body["email"]["smtp_reachable"] is True
    assert [a["kind"] for a in body["alerts"] if a["scope"] == tenant] == ["engagement_compliance"]
    assert [a.kind for a in rows(AgentAlert, scope=tenant)] == ["engagement_compliance"]


@pytest.mark.parametrize("path", ["/api/admin/agent/health", "/api/admin/agent/runs"])
async def test_admin_routes_need_a_token(api: Any, path: str) -> None:
    assert (await api.get(path)).status_code == 401


async def test_run_every_tenant_is_for_operators_and_once_per_hour(api: Any, tenant: str) -> None:
    r = await api.post("/api/admin/agent/runs", headers=headers(tenant))
    assert r.status_code == 403
    clear_of_the_hour_turn()  # "once per hour": both requests must fall in the same hour
    op = operator("ops")
    r = await api.post("/api/admin/agent/runs", headers=op)
    wid = r.json().get("workflow_id") if r.status_code == 202 else None
    try:
        assert r.status_code in (202, 409), r.text  # 409: an earlier test run this hour started it
        again = await api.post("/api/admin/agent/runs", headers=op)
        assert again.status_code == 409 and "already ran or is running" in again.json()["detail"]
    finally:
        if wid:  # stop listing tenants, so later tests' new tenants are not run by it
            await (await connect(scoping=ids)).get_workflow_handle(wid).terminate("test over")
