"""The demo operation end to end: real API, Temporal, Vault, Postgres, Chromium and WordPress."""

from __future__ import annotations

import os
import signal
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.worker import Replayer

from core.keys import load_keyring_sync
from core.objectstore import ObjectStore
from core.operation_keys import OperationKeyrings
from core.settings import get_settings
from core.temporal import connect
from core.vault import VaultStore, credential_path
from schema.db import owner_transaction
from schema.repositories.consent import list_consents
from schema.repositories.credentials import list_credentials
from schema.repositories.operations import get_operation
from tests.integration.helpers import (
    OPERATION,
    SERVICE,
    TERMINAL,
    EventStream,
    audit_rows,
    grant,
    headers,
    initiate,
    status,
    store_admin_credential,
    wait_terminal,
    wait_until,
    wp_admin,
)
from tests.integration.history_secrets import assert_no_secret_in_history
from workflows import ids
from workflows.ids import operation_workflow_id
from workflows.registry import WORKFLOWS

pytestmark = pytest.mark.stack
JPEG = b"\xff\xd8\xff"


@dataclass
class Completed:
    tenant: str
    op_id: str
    workflow_id: str
    final: dict[str, Any]
    app_password: str


@pytest.fixture(scope="module")
async def completed(api: Any, live: Any) -> Completed:
    """Happy path through the API: system initiates, admin grants consent by signal, operation completes."""
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    await store_admin_credential(api, tenant, live.wp)
    op = await initiate(api, tenant, live.wp, consent=False, roles=("system",))
    assert op["status"] == "awaiting_consent"
    s = await wait_until(api, tenant, op["operation_id"], lambda s: s["status"] == "awaiting_consent")
    assert s["current_step"] == 0
    r = await api.post(
        "/api/autonomous/consent",
        headers=headers(tenant),
        json={"action": "grant", "service": SERVICE, "operation": OPERATION},
    )
    assert r.status_code == 200, r.text
    final = await wait_terminal(api, tenant, op["operation_id"])
    secret = VaultStore(get_settings()).read(credential_path(tenant, SERVICE, "application_password"))
    assert secret is not None
    return Completed(tenant, op["operation_id"], op["workflow_id"], final, secret["password"])


async def test_happy_path_completes_and_the_new_password_authenticates(
    completed: Completed, live: Any
) -> None:
    f = completed.final
    assert f["status"] == "completed", f
    assert f["result"]["connection_test_passed"] is True
    assert (
        f["result"]["credential_path"]
        == f"secret/omniops/tenants/{completed.tenant}/wordpress/application_password"
    )
    r = httpx.get(
        f"{live.wp['url']}/?rest_route=/wp/v2/users/me",
        auth=(wp_admin(live.wp)["username"], completed.app_password),
        timeout=10,
    )
    assert r.status_code == 200 and r.json()["name"]
    bad = httpx.get(
        f"{live.wp['url']}/?rest_route=/wp/v2/users/me",
        auth=(wp_admin(live.wp)["username"], "not the password"),
        timeout=10,
    )
    assert bad.status_code == 401


async def test_one_audit_row_per_step_with_a_decryptable_screenshot(completed: Completed) -> None:
    rows = audit_rows(completed.tenant, completed.op_id)
    total = completed.final["total_steps"]
    assert sorted(r.step_number for r in rows) == list(range(1, total + 1))
    assert all(r.success and r.attempt == 1 and r.mode == "deterministic" for r in rows)
    assert completed.final["result"]["audited_steps"] == total
    settings = get_settings()  # each operation's screenshots have its own keyring (issue 16)
    scoped = OperationKeyrings(VaultStore(settings))
    store = ObjectStore(settings.object_dir, load_keyring_sync(settings), scoped)
    for r in rows:
        assert r.screenshot_key and r.screenshot_key.startswith(f"{completed.tenant}/{completed.op_id}/")
        image = store.get(r.screenshot_key)
        assert image.startswith(JPEG) and b"JFIF" in image[:32]
        raw = store.raw(r.screenshot_key)
        assert not raw.startswith(JPEG) and b"JFIF" not in raw  # encrypted at rest
    with owner_transaction() as s:
        op = get_operation(s, completed.tenant, uuid.UUID(completed.op_id))
        creds = list_credentials(s, completed.tenant)
    assert op is not None and op.status == "completed" and op.consent_given and op.current_step == total
    assert {c.credential_type for c in creds} == {"admin", "application_password"}


async def test_no_secret_in_history_or_logs(completed: Completed, live: Any) -> None:
    secrets = {
        "admin password": wp_admin(live.wp)["password"],
        "application password": completed.app_password,
        "application password without spaces": completed.app_password.replace(" ", ""),
    }
    await assert_no_secret_in_history(completed.workflow_id, secrets)
    logs = "".join(p.read_text(errors="replace") for p in live.stack.c.log_dir.glob("*.log"))
    assert "session opened" in logs  # the worker logs are really there
    for s in secrets.values():
        assert s not in logs


async def test_replay_of_the_recorded_history(completed: Completed) -> None:
    client = await connect(scoping=ids)
    history = await client.get_workflow_handle(completed.workflow_id).fetch_history()
    await Replayer(workflows=WORKFLOWS, data_converter=client.data_converter).replay_workflow(history)


async def test_no_consent_is_403_and_nothing_starts(
    api: Any, live: Any, tenant: str, temporal_client: Client
) -> None:
    body = {"service": SERVICE, "operation": OPERATION, "inputs": {"site_url": live.wp["url"]}}
    r = await api.post("/api/autonomous/initiate", headers=headers(tenant), json=body)
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    assert "no active consent" in r.json()["detail"]
    r = await api.post(
        "/api/autonomous/initiate", headers=headers(tenant, roles=("viewer",)), json={**body, "consent": True}
    )
    assert r.status_code == 403 and "initiateOperation needs one of the tenant roles" in r.json()["detail"]
    r = await api.post(  # the system principal may start, but only into awaiting_consent
        "/api/autonomous/initiate", headers=headers(tenant, roles=("system",)), json={**body, "consent": True}
    )
    assert r.status_code == 403 and "granting consent needs" in r.json()["detail"]
    assert [w async for w in temporal_client.list_workflows(f"TenantId = '{tenant}'")] == []
    with owner_transaction() as s:
        assert list_consents(s, tenant) == []


async def test_revoke_mid_operation_cancels_before_the_next_browser_action(
    api: Any, live: Any, tenant: str
) -> None:
    await store_admin_credential(api, tenant, live.wp)
    op = await initiate(api, tenant, live.wp)
    await wait_until(api, tenant, op["operation_id"], lambda s: s["current_step"] >= 2)
    pid = live.stack.running("worker-operations")
    os.kill(pid, signal.SIGSTOP)  # hold the browser between steps so the revoke lands mid-operation
    try:
        r = await api.post(
            "/api/autonomous/consent",
            headers=headers(tenant, user="bob"),
            json={
                "action": "revoke",
                "service": SERVICE,
                "operation": OPERATION,
                "reason": "no longer wanted",
                "operation_id": op["operation_id"],
            },
        )
    finally:
        os.kill(pid, signal.SIGCONT)
    assert r.status_code == 200 and r.json()["revoked"] == 1, r.text
    final = await wait_terminal(api, tenant, op["operation_id"])
    assert final["status"] == "cancelled" and "revoked by bob: no longer wanted" in final["reason"]
    rows = audit_rows(tenant, op["operation_id"])
    revoke = [r for r in rows if r.action == "consent_revoked"]
    assert len(revoke) == 1 and not revoke[0].success
    done = sorted(r.step_number for r in rows if r.success)
    assert done == list(range(1, len(done) + 1)) and 2 <= len(done) < final["total_steps"]
    assert revoke[0].step_number == done[-1] + 1
    # no browser action after the revoke: nothing is audited past the step it stopped at
    assert max(r.step_number for r in rows) == revoke[0].step_number


async def test_killed_browser_worker_is_replaced_and_resumes_from_checkpoint(
    api: Any, live: Any, tenant: str
) -> None:
    stack = live.stack
    stack.worker("worker-operations-2", "operations")
    try:
        await store_admin_credential(api, tenant, live.wp)
        op = await initiate(api, tenant, live.wp)
        s = await wait_until(
            api, tenant, op["operation_id"], lambda s: s["current_step"] >= 5 and s["session_queue"]
        )
        victim_pid = int(s["session_queue"].split("-")[-2])
        os.killpg(victim_pid, signal.SIGKILL)
        final = await wait_terminal(api, tenant, op["operation_id"], timeout=120)
        assert final["status"] == "completed", final
        assert final["result"]["connection_test_passed"] is True
        rows = audit_rows(tenant, op["operation_id"])
        assert len({(r.step_number, r.attempt) for r in rows}) == len(rows)
        lost = [r for r in rows if not r.success]
        assert len(lost) == 1 and lost[0].error.startswith("browser session lost")
        ok = [r for r in rows if r.success]
        # steps up to the login checkpoint (4) ran once; the rest ran again on the new worker
        assert sorted(r.step_number for r in ok if r.step_number <= 4) == [1, 2, 3, 4]
        assert {r.step_number for r in ok if r.attempt == 2} >= {lost[0].step_number}
        assert sorted({r.step_number for r in ok}) == list(range(1, final["total_steps"] + 1))
    finally:
        stack.stop("worker-operations-2")
        stack.worker("worker-operations", "operations")  # replace whichever worker died


async def test_other_tenant_gets_404_and_bad_input_gets_a_clear_error(api: Any, completed: Completed) -> None:
    other = headers("t-other")
    op = completed.op_id
    for method, path, body in (
        ("GET", f"/api/autonomous/status/{op}", None),
        ("POST", f"/api/autonomous/{op}/cancel", None),
        (
            "POST",
            "/api/autonomous/consent",
            {"action": "revoke", "service": SERVICE, "operation": OPERATION, "operation_id": op},
        ),
    ):
        r = await api.request(method, path, headers=other, json=body)
        assert r.status_code == 404, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await status(api, completed.tenant, op))["status"] == "completed"  # untouched
    mine = headers(completed.tenant)
    r = await api.post("/api/autonomous/initiate", headers=mine, json={"service": 5})
    assert r.status_code == 400 and "service" in r.text
    r = await api.post(
        "/api/autonomous/initiate",
        headers=mine,
        json={"service": SERVICE, "operation": OPERATION, "surprise": 1},
    )
    assert r.status_code == 400 and "surprise" in r.text
    r = await api.post("/api/autonomous/initiate", headers=mine, content=b"{not json")
    assert r.status_code == 400
    r = await api.post(
        "/api/autonomous/initiate", headers=mine, json={"service": "nosuch", "operation": "op"}
    )
    assert r.status_code == 400 and "no definition" in r.json()["detail"]
    r = await api.post(
        "/api/autonomous/initiate", headers=mine, json={"service": SERVICE, "operation": OPERATION}
    )
    assert r.status_code == 400 and "missing inputs" in r.json()["detail"]
    r = await api.get("/api/autonomous/status/not-a-uuid", headers=mine)
    assert r.status_code == 404
    r = await api.get("/api/autonomous/history")
    assert r.status_code == 401
    r = await api.post(f"/api/autonomous/{op}/cancel", headers=mine)
    assert r.status_code == 409 and "already ended" in r.json()["detail"]


async def test_history_lists_only_the_callers_tenant(api: Any, completed: Completed) -> None:
    r = await api.get("/api/autonomous/history", headers=headers(completed.tenant))
    assert r.status_code == 200
    items = r.json()
    assert [i["operation_id"] for i in items] == [completed.op_id]
    assert items[0]["status"] == "completed" and items[0]["service"] == SERVICE


async def test_events_stream_progress_until_the_end(api: Any, completed: Completed) -> None:
    r = await api.get(f"/api/autonomous/{completed.op_id}/events", headers=headers(completed.tenant))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    assert "event: progress" in r.text and '"status":"completed"' in r.text
    r = await api.get(f"/api/autonomous/{completed.op_id}/events", headers=headers("t-other"))
    assert r.status_code == 404


async def test_events_stream_a_running_operation_from_consent_to_the_end(
    api: Any, live: Any, tenant: str
) -> None:
    await store_admin_credential(api, tenant, live.wp)
    op = await initiate(api, tenant, live.wp, consent=False, roles=("system",))
    op_id = op["operation_id"]
    await wait_until(api, tenant, op_id, lambda s: s["status"] == "awaiting_consent")
    stream = EventStream(api, f"/api/autonomous/{op_id}/events", headers(tenant))
    try:
        event, first = await stream.next()
        assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
        assert (event, first["status"], first["current_step"]) == ("progress", "awaiting_consent", 0)
        await grant(api, tenant)
        seen = [first]
        while seen[-1]["status"] not in TERMINAL:
            event, body = await stream.next()
            assert event == "progress"
            seen.append(body)
    finally:
        stream.close()
    assert seen[-1]["status"] == "completed"
    steps = [e["current_step"] for e in seen if e["status"] == "in_progress"]
    assert len(set(steps)) >= 3, seen  # several steps seen while it ran
    assert steps == sorted(steps)  # in order
    assert [e["status"] for e in seen].index("in_progress") > 0  # after it waited for consent


async def test_cancel_of_a_running_operation_stops_it_before_its_next_step(
    api: Any, live: Any, tenant: str
) -> None:
    await store_admin_credential(api, tenant, live.wp)
    op = await initiate(api, tenant, live.wp)
    await wait_until(api, tenant, op["operation_id"], lambda s: s["current_step"] >= 2)
    pid = live.stack.running("worker-operations")
    os.kill(pid, signal.SIGSTOP)  # hold the browser between steps so the cancel lands mid-operation
    try:
        r = await api.post(f"/api/autonomous/{op['operation_id']}/cancel", headers=headers(tenant))
    finally:
        os.kill(pid, signal.SIGCONT)
    assert r.status_code == 202, r.text
    at_cancel = r.json()["current_step"]
    final = await wait_terminal(api, tenant, op["operation_id"])
    assert final["status"] == "cancelled" and final["reason"] == "cancelled by request", final
    assert final["current_step"] == at_cancel < final["total_steps"]
    rows = audit_rows(tenant, op["operation_id"])
    done = sorted(r.step_number for r in rows)
    assert done == list(range(1, len(done) + 1)) and 1 <= len(done) <= at_cancel  # no later step
    assert all(r.success for r in rows)
    handle = (await connect(scoping=ids)).get_workflow_handle(
        operation_workflow_id(tenant, op["operation_id"])
    )
    assert (await handle.describe()).status == WorkflowExecutionStatus.CANCELED
    with owner_transaction() as s:
        op_row = get_operation(s, tenant, uuid.UUID(op["operation_id"]))
        assert op_row is not None and op_row.status == "cancelled"
    r = await api.post(f"/api/autonomous/{op['operation_id']}/cancel", headers=headers(tenant))
    assert r.status_code == 409


async def test_a_finished_status_is_its_stored_record_with_no_worker(
    api: Any, live: Any, completed: Completed
) -> None:
    """Issue 17: a finished operation is read from Postgres, not by a query replaying history."""
    live.stack.stop("worker-agent")
    try:
        s = await status(api, completed.tenant, completed.op_id)
        assert s["stale"] is False and s["status"] == "completed" and s["current_step"] == s["total_steps"]
        assert s["result"]["status"] == "completed" and s["last_screenshot_key"] and s["llm"] is not None
        page = (await api.get("/api/autonomous/history?limit=1", headers=headers(completed.tenant))).json()
        after = f"/api/autonomous/history?before={page[0]['operation_id']}"
        assert (await api.get(after, headers=headers(completed.tenant))).json() == []
    finally:
        live.stack.worker("worker-agent", "agent")
