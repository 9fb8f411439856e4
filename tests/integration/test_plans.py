"""Multi-step plans end to end (issue 15, Build 6): real API, Temporal, Vault, Postgres, Chromium
and WordPress. A three-operation plan whose second operation fails once (it looks for a page the
test creates only after that failure, with the application password step 1 stored), resumed
without repeating the first; one consent for the union of the permissions; cancel cascades."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest

from core.settings import get_settings
from core.vault import VaultStore, credential_path
from schema.db import owner_transaction
from schema.repositories.consent import list_consents
from schema.repositories.operations import get_operation
from tests.integration.helpers import SERVICE, audit_rows, headers, status, store_admin_credential, wp_admin
from tests.integration.history_secrets import assert_no_secret_in_history
from tests.peers.messages_api import MessagesPeer
from workflows.ids import operation_workflow_id, plan_step_operation_id, plan_workflow_id

pytestmark = pytest.mark.stack
PLAN = "plan_test_page_then_password"
PAGE_CHECK = """schema_version: 1
service: wordpress
operation: plan_test_page_check
version: 1
description: Find a page by title in the admin's page list.
credential: admin
permissions: [log_in_as_admin, read_pages]
inputs: [site_url, page_title]
steps:
  - {intent: Open the login page, action: navigate, target: /wp-login.php, expected: "#user_login"}
  - {intent: Enter the admin username, action: fill, target: "#user_login", value: "{{credential.username}}"}
  - {intent: Enter the admin password, action: fill, target: "#user_pass", value: "{{credential.password}}"}
  - {intent: Submit the login form, action: click, target: "#wp-submit", expected: "#wpadminbar"}
  - intent: Open the pages
    action: navigate
    target: "/wp-admin/edit.php?post_type=page"
    expected: "#post-search-input"
  - {intent: Type the page title, action: fill, target: "#post-search-input", value: "{{input.page_title}}"}
  - intent: Search for the page
    action: click
    target: "#search-submit"
    expected: "#the-list a.row-title"
    timeout_s: 4
    retry: {max_attempts: 1}
"""
THREE_STEPS = f"""schema_version: 1
plan: {PLAN}
version: 1
description: Generate an application password, find a page, then check the password.
inputs: [site_url, page_title]
steps:
  - service: wordpress
    operation: application_password_generation
    inputs: {{site_url: "{{{{plan.site_url}}}}"}}
  - service: wordpress
    operation: plan_test_page_check
    inputs: {{site_url: "{{{{plan.site_url}}}}", page_title: "{{{{plan.page_title}}}}"}}
  - service: wordpress
    operation: application_password_check
    inputs: {{site_url: "{{{{plan.site_url}}}}", credential_path: "{{{{steps.1.credential_path}}}}"}}
"""
ENDED = {"completed", "cancelled"}


@pytest.fixture(scope="module", autouse=True)
def plan_files() -> None:
    root = get_settings().definitions_dir
    (root / "wordpress" / "plan_test_page_check.yaml").write_text(PAGE_CHECK)
    (root / "plans" / f"{PLAN}.yaml").write_text(THREE_STEPS)


@pytest.fixture
def page_title() -> str:
    """A title no page has yet (the test deletes the page it makes with it)."""
    return f"omniops plan {uuid.uuid4().hex[:12]}"


async def plan_status(api: Any, tenant: str, plan_id: str) -> dict[str, Any]:
    r = await api.get(f"/api/autonomous/plans/{plan_id}", headers=headers(tenant))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def wait_plan(
    api: Any, tenant: str, plan_id: str, cond: Any, what: str, timeout: float = 240
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = await plan_status(api, tenant, plan_id)
        if cond(s):
            return s
        await asyncio.sleep(0.2)
    raise AssertionError(f"plan {plan_id} never reached {what} in {timeout}s; last: {s}")


async def test_three_operations_second_fails_once_resume_completes_without_repeating_the_first(
    api: Any, live: Any, peer: MessagesPeer, page_title: str
) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    await store_admin_credential(api, tenant, live.wp)
    # the consent union is shown before the run
    r = await api.get(f"/api/autonomous/plans/preview/{PLAN}", headers=headers(tenant))
    assert r.status_code == 200, r.text
    union = ["log_in_as_admin", "create_application_password", "read_pages", "use_application_password"]
    assert r.json()["permissions"] == union
    r = await api.post(
        "/api/autonomous/plans",
        headers=headers(tenant),
        json={"plan": PLAN, "inputs": {"site_url": live.wp["url"], "page_title": page_title}},
    )
    assert r.status_code == 202, r.text
    plan_id = r.json()["plan_id"]
    waiting = await wait_plan(
        api, tenant, plan_id, lambda s: s["status"] == "awaiting_consent", "awaiting_consent"
    )
    assert waiting["permissions"] == union and waiting["consent_id"] is None
    assert all(s["status"] == "pending" and s["operation_id"] is None for s in waiting["steps"])
    # one grant, for the plan, runs every operation
    r = await api.post(
        f"/api/autonomous/plans/{plan_id}/consent", headers=headers(tenant), json={"action": "grant"}
    )
    assert r.status_code == 202, r.text
    failed = await wait_plan(api, tenant, plan_id, lambda s: s["status"] == "failed", "failed")
    assert [(s["status"], s["attempts"]) for s in failed["steps"]] == [
        ("completed", 1),
        ("failed", 1),
        ("pending", 0),
    ]
    first_op = failed["steps"][0]["operation_id"]
    assert first_op == plan_step_operation_id(plan_id, 1, 1)
    assert failed["steps"][0]["credential_path"].endswith(f"/{tenant}/wordpress/application_password")
    # the test fixes WordPress: it creates the page, with the application password step 1 stored
    vault = VaultStore(get_settings())
    secret, version = vault.read_versioned(credential_path(tenant, SERVICE, "application_password"))
    assert secret is not None and version == 1
    auth = (wp_admin(live.wp)["username"], secret["password"])
    made = httpx.post(
        f"{live.wp['url']}/?rest_route=/wp/v2/pages",
        auth=auth,
        json={"title": page_title, "status": "draft"},
        timeout=10,
    )
    assert made.status_code == 201, made.text
    try:
        r = await api.post(f"/api/autonomous/plans/{plan_id}/resume", headers=headers(tenant))
        assert r.status_code == 202, r.text
        done = await wait_plan(api, tenant, plan_id, lambda s: s["status"] in ENDED, "the end")
    finally:
        httpx.delete(
            f"{live.wp['url']}/?rest_route=/wp/v2/pages/{made.json()['id']}",
            auth=auth,
            params={"force": "true"},
            timeout=10,
        )
    assert done["status"] == "completed", done
    assert [(s["status"], s["attempts"]) for s in done["steps"]] == [
        ("completed", 1),
        ("completed", 2),
        ("completed", 1),
    ]
    # step 1 ran once: one operation, one audit trail, one Vault version of the password
    assert done["steps"][0]["operation_id"] == first_op
    assert vault.read_versioned(credential_path(tenant, SERVICE, "application_password"))[1] == 1
    with owner_transaction() as s:
        assert get_operation(s, tenant, uuid.UUID(plan_step_operation_id(plan_id, 1, 2))) is None
        consents = list_consents(s, tenant)
    assert {r.step_number for r in audit_rows(tenant, first_op)} == set(range(1, 9))
    failed_op, retried_op = plan_step_operation_id(plan_id, 2, 1), plan_step_operation_id(plan_id, 2, 2)
    assert not all(r.success for r in audit_rows(tenant, failed_op))
    assert all(r.success for r in audit_rows(tenant, retried_op))
    for op in (first_op, failed_op, retried_op, done["steps"][2]["operation_id"]):
        assert (await status(api, tenant, op))["status"] in {"completed", "failed"}
    # one consent record, for the plan and its union; no operation asked for its own
    assert [(c.service, c.operation, c.permissions) for c in consents] == [("plan", PLAN, union)]
    # references, never secrets, in the plan's history and in the child that used the password
    secrets = {"application password": secret["password"], "admin password": wp_admin(live.wp)["password"]}
    await assert_no_secret_in_history(plan_workflow_id(tenant, plan_id), secrets)
    await assert_no_secret_in_history(
        operation_workflow_id(tenant, done["steps"][2]["operation_id"]), secrets
    )


async def test_cancelling_a_plan_cancels_its_running_operation(api: Any, live: Any) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    await store_admin_credential(api, tenant, live.wp)
    r = await api.post(
        "/api/autonomous/plans",
        headers=headers(tenant),
        json={
            "plan": "wordpress_application_password_verified",
            "inputs": {"site_url": live.wp["url"]},
            "consent": True,
        },
    )
    assert r.status_code == 202, r.text
    plan_id = r.json()["plan_id"]
    running = await wait_plan(
        api, tenant, plan_id, lambda s: s["steps"][0]["status"] == "running", "step 1 running"
    )
    op_id = running["steps"][0]["operation_id"]
    # cancel while the child drives the browser (past its consent check)
    deadline = time.monotonic() + 120
    while (await status(api, tenant, op_id))["current_step"] < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    r = await api.post(f"/api/autonomous/plans/{plan_id}/cancel", headers=headers(tenant))
    assert r.status_code == 202, r.text
    final = await wait_plan(api, tenant, plan_id, lambda s: s["status"] == "cancelled", "cancelled")
    assert [s["status"] for s in final["steps"]] == ["cancelled", "cancelled"]
    deadline = time.monotonic() + 60
    while (op := await status(api, tenant, op_id))["status"] != "cancelled" and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert op["status"] == "cancelled", op
    r = await api.post(f"/api/autonomous/plans/{plan_id}/resume", headers=headers(tenant))
    assert r.status_code == 409


async def test_bad_plan_requests(api: Any, live: Any) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    r = await api.get("/api/autonomous/plans/preview/no_such_plan", headers=headers(tenant))
    assert r.status_code == 400 and "no plan named no_such_plan" in r.text
    r = await api.post("/api/autonomous/plans", headers=headers(tenant), json={"plan": PLAN, "inputs": {}})
    assert r.status_code == 400 and "inputs: missing site_url, page_title" in r.text
    r = await api.get(f"/api/autonomous/plans/{uuid.uuid4()}", headers=headers(tenant))
    assert r.status_code == 404
    (get_settings().definitions_dir / "plans" / "plan_test_broken.yaml").write_text(
        "schema_version: 1\nplan: plan_test_broken\nversion: 1\n"
        "steps:\n  - {service: wordpress, operation: nope}\n"
    )
    r = await api.get("/api/autonomous/plans/preview/plan_test_broken", headers=headers(tenant))
    assert r.status_code == 400 and "steps.1.operation" in r.text
