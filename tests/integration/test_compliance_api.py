"""The compliance engine on the real stack (seed 004 P1.7): schedules as Temporal Schedules with
calendar specs, a triggered run generating checks in Postgres and starting their workflows on the
agent worker, waive/complete signals through the API, stats; the escalation step against the DB."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import Client, ScheduleOverlapPolicy
from temporalio.service import RPCError, RPCStatusCode

from activities.compliance import ComplianceActivities
from core.settings import get_settings
from core.temporal import connect
from schema.agent import AgentTask
from schema.business import ComplianceCheck, Contact
from schema.db import get_engine, owner_transaction
from schema.repositories.tenants import ensure_tenant
from tests.integration.cycle_helpers import add, one, rows
from tests.integration.helpers import headers
from workflows import ids
from workflows.followups.compliance_models import (
    CloseInput,
    ComplianceRunResult,
    EscalateInput,
    ValidateInput,
)
from workflows.ids import compliance_check_workflow_id

BASE = "/api/compliance"


async def eventually(fetch: Callable[[], Any], cond: Callable[[Any], bool], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        value = await value if asyncio.iscoroutine(value) else value
        if cond(value) or time.monotonic() > deadline:
            assert cond(value), f"condition not met in {timeout}s; last: {value}"
            return value
        await asyncio.sleep(0.2)


def months(desc: Any) -> list[int]:
    return [r.start for c in desc.schedule.spec.calendars for r in c.month]


async def test_a_schedule_is_a_temporal_schedule_that_patch_updates_and_pauses_and_delete_removes(
    api: Any, tenant: str
) -> None:
    h = headers(tenant)
    body = {
        "name": "Quarterly KYC",
        "frequency": "quarterly",
        "target_type": "contacts",
        "required_fields": ["email"],
    }
    r = await api.post(f"{BASE}/schedules", headers=h, json=body)
    assert r.status_code == 201, r.text
    row = r.json()
    sid, tid = row["id"], f"compliance-schedule-{tenant}-{row['id']}"
    assert (row["notify_days_before"], row["escalate_after_days"], row["due_in_days"]) == (14, 7, 30)
    assert row["schedule"]["id"] == tid and row["schedule"]["calendar"][0]["months"] == [1, 4, 7, 10]
    nxt = datetime.fromisoformat(row["schedule"]["next_action_times"][0])
    assert (nxt.month in (1, 4, 7, 10), nxt.day, nxt.hour, nxt.minute) == (True, 1, 0, 0)

    client = await connect(scoping=ids)
    d = await client.get_schedule_handle(tid).describe()
    assert months(d) == [1, 4, 7, 10] and d.schedule.policy.overlap == ScheduleOverlapPolicy.SKIP
    assert not d.schedule.state.paused
    assert (d.schedule.action.workflow, d.schedule.action.task_queue) == ("ComplianceRun", "agent")  # type: ignore[union-attr]

    # reads for any user of the tenant, writes for owner/admin/operator; other tenants see nothing
    reader = headers(tenant, roles=("viewer",))
    assert (await api.get(f"{BASE}/schedules", headers=reader)).json()[0]["id"] == sid
    assert (
        await api.patch(f"{BASE}/schedules/{sid}", headers=reader, json={"active": False})
    ).status_code == 403
    assert (await api.get(f"{BASE}/schedules/{sid}", headers=headers(f"{tenant}-x"))).status_code == 404
    bad = {**body, "required_fields": ["credit_limit"]}
    assert (await api.post(f"{BASE}/schedules", headers=h, json=bad)).status_code == 400
    assert (
        await api.post(f"{BASE}/schedules", headers=h, json={**body, "frequency": "weekly"})
    ).status_code == 400

    r = await api.patch(f"{BASE}/schedules/{sid}", headers=h, json={"frequency": "annual", "active": False})
    assert r.status_code == 200, r.text
    assert (r.json()["frequency"], r.json()["active"], r.json()["schedule"]["paused"]) == (
        "annual",
        False,
        True,
    )
    d = await client.get_schedule_handle(tid).describe()
    assert months(d) == [1] and d.schedule.state.paused
    assert (await api.post(f"{BASE}/schedules/{sid}/run", headers=h)).status_code == 409  # inactive
    r = await api.patch(
        f"{BASE}/schedules/{sid}", headers=h, json={"frequency": "semi_annual", "active": True}
    )
    assert r.status_code == 200 and r.json()["schedule"]["calendar"][0]["months"] == [1, 7]
    assert not (await client.get_schedule_handle(tid).describe()).schedule.state.paused

    assert (await api.delete(f"{BASE}/schedules/{sid}", headers=h)).status_code == 204
    assert (await api.get(f"{BASE}/schedules/{sid}", headers=h)).status_code == 404
    with pytest.raises(RPCError) as e:
        await client.get_schedule_handle(tid).describe()
    assert e.value.status == RPCStatusCode.NOT_FOUND


async def test_a_run_generates_checks_whose_workflows_are_waived_and_completed_through_the_api(
    api: Any, tenant: str
) -> None:
    h = headers(tenant)
    r = await api.post(
        f"{BASE}/schedules",
        headers=h,
        json={
            "name": "Contact review",
            "frequency": "monthly",
            "target_type": "contacts",
            "required_fields": ["email", "title"],
            "due_in_days": 30,
        },
    )
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    complete = Contact(tenant_id=tenant, name="Pat Lee", email="pat@example.test", title="CFO")
    missing = Contact(tenant_id=tenant, name="Sam Roe", email="sam@example.test", title=" ")
    add(complete, missing)

    assert (await api.post(f"{BASE}/schedules/{sid}/run", headers=h)).status_code == 202
    checks = await eventually(
        lambda: api.get(f"{BASE}/checks", headers=h, params={"schedule_id": sid}),
        lambda r: r.status_code == 200 and len(r.json()) == 2,
    )
    by_entity = {c["entity_id"]: c for c in checks.json()}
    c_ok, c_miss = by_entity[complete.id], by_entity[missing.id]
    assert {c["status"] for c in by_entity.values()} == {"pending"}
    due = datetime.fromisoformat(c_ok["due_at"])
    assert abs(due - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
    assert c_ok["workflow_id"] == compliance_check_workflow_id(tenant, c_ok["id"])
    assert c_ok["entity_type"] == "contact"

    one_check = await eventually(
        lambda: api.get(f"{BASE}/checks/{c_miss['id']}", headers=h),
        lambda r: r.json()["workflow"] is not None,
    )
    wf = one_check.json()["workflow"]
    assert (wf["kind"], wf["status"]) == ("compliance_check", "pending")
    assert datetime.fromisoformat(wf["next_wake_at"]) == due - timedelta(days=14)

    # waive: a reason is required; another tenant's check is a 404; a reader may not
    url = f"{BASE}/checks/{c_miss['id']}/waive"
    assert (await api.post(url, headers=h, json={"reason": "   "})).status_code == 400
    assert (await api.post(url, headers=h, json={})).status_code == 400
    assert (await api.post(url, headers=headers(f"{tenant}-x"), json={"reason": "x"})).status_code == 404
    assert (
        await api.post(url, headers=headers(tenant, roles=("viewer",)), json={"reason": "x"})
    ).status_code == 403
    r = await api.post(url, headers=h, json={"reason": "moved to another vendor"})
    assert r.status_code == 202, r.text
    waived = await eventually(
        lambda: one(ComplianceCheck, id=c_miss["id"]), lambda c: c.status == "waived", timeout=30
    )
    assert waived.waiver_reason == "moved to another vendor"
    assert (await api.post(url, headers=h, json={"reason": "again"})).status_code == 409

    r = await api.post(f"{BASE}/checks/{c_ok['id']}/complete", headers=h)
    assert r.status_code == 202, r.text
    done = await eventually(lambda: one(ComplianceCheck, id=c_ok["id"]), lambda c: c.status == "completed")
    assert done.completed_at is not None
    assert (await api.post(f"{BASE}/checks/{c_ok['id']}/complete", headers=h)).status_code == 409

    client = await connect(scoping=ids)
    desc = await client.get_workflow_handle(c_miss["workflow_id"]).describe()
    assert desc.status is not None and desc.status.name == "COMPLETED"
    assert [
        c["id"] for c in (await api.get(f"{BASE}/checks", headers=h, params={"status": "waived"})).json()
    ] == [c_miss["id"]]
    assert (await api.get(f"{BASE}/checks", headers=h, params={"status": "nope"})).status_code == 400

    # the same day's run again creates no duplicate and starts no workflow for ended checks
    assert (await api.post(f"{BASE}/schedules/{sid}/run", headers=h)).status_code == 202
    second = await second_run_result(client, tenant, sid)
    assert (second["generated"], second["created"], second["started"]) == (2, 0, 0)
    assert len(rows(ComplianceCheck, schedule_id=sid)) == 2

    stats = (await api.get(f"{BASE}/stats", headers=headers(tenant, roles=("viewer",)))).json()
    assert stats["total"] == 2 and stats["by_status"]["completed"] == 1 and stats["by_status"]["waived"] == 1
    assert (stats["open"], stats["overdue"], stats["escalated"], stats["completion_rate_pct"]) == (
        0,
        0,
        0,
        100.0,
    )
    assert (await api.get(f"{BASE}/stats", headers=headers(f"{tenant}-x"))).json()["total"] == 0
    assert (await api.delete(f"{BASE}/schedules/{sid}", headers=h)).status_code == 204


async def second_run_result(client: Client, tenant: str, sid: str) -> dict[str, Any]:
    handle = client.get_schedule_handle(f"compliance-schedule-{tenant}-{sid}")
    d = await eventually(handle.describe, lambda d: len(d.info.recent_actions) >= 2)
    wid = d.info.recent_actions[-1].action.workflow_id
    return (await client.get_workflow_handle(wid, result_type=ComplianceRunResult).result()).model_dump()


async def test_escalation_records_the_status_and_one_manager_task_closed_with_the_check(
    infra: Any, tenant: str
) -> None:
    """The DB steps directly: validate records missing fields; escalate is idempotent (one task,
    reason compliance_due); closing the check closes its task."""
    engine = get_engine()
    with owner_transaction() as s:
        ensure_tenant(s, tenant)
    c = Contact(tenant_id=tenant, name="Kim Park", email=None, title="Buyer")
    add(c)
    due = datetime.now(UTC) - timedelta(days=7)
    check = ComplianceCheck(tenant_id=tenant, entity_type="contact", entity_id=c.id, due_at=due)
    add(check)
    a = ComplianceActivities(get_settings(), engine)
    now = datetime.now(UTC)
    v = a.validate_compliance_check(
        ValidateInput(tenant_id=tenant, check_id=check.id, at=now, required_fields=("email", "title"))
    )
    assert (v.missing_fields, v.to_email, v.entity_name) == (("email",), None, "Kim Park")
    esc = EscalateInput(tenant_id=tenant, check_id=check.id, at=now, due_at=due, missing_fields=("email",))
    first, again = a.escalate_compliance_check(esc), a.escalate_compliance_check(esc)
    assert (first.created, again.created) == (True, False)
    row = one(ComplianceCheck, id=check.id)
    assert (row.status, row.missing_fields, row.escalated_at) == ("escalated", ["email"], now)
    task = one(AgentTask, tenant_id=tenant)
    assert (task.reason, task.target_type, task.target_id, task.status) == (
        "compliance_due",
        "compliance_check",
        check.id,
        "open",
    )
    assert task.action_key == f"compliance:{check.id}:escalate" and "Kim Park" in task.title
    closed = a.close_compliance_check(
        CloseInput(tenant_id=tenant, check_id=check.id, at=now, outcome="waived", reason="duplicate")
    )
    assert (closed.status, closed.changed) == ("waived", True)
    assert one(AgentTask, tenant_id=tenant).status == "done"
    again_closed = a.close_compliance_check(
        CloseInput(tenant_id=tenant, check_id=check.id, at=now, outcome="completed", by="x")
    )
    assert (again_closed.status, again_closed.changed) == ("waived", False)
