"""Raw signals (issue 10, "signals are hints; records are the truth"), on the real stack.

An attacker who can reach Temporal sends ``grant_consent`` or ``confirm_action`` with the
Temporal CLI (``temporal workflow signal``), bypassing the API. The CLI sends a plain JSON
payload (no codec endpoint, no key): our codec (core/codec.py) passes a payload that is not
``binary/encrypted`` through unchanged, so the workflow does receive and decode it, exactly as an
attacker's signal would arrive. The workflow must find the record the API persisted before it
acts: a forged grant leaves the operation in ``awaiting_consent`` and a forged confirmation leaves
the sensitive step unrun; each is audited as ignored. A signal naming a real record then works
(the control that shows the CLI path reaches the workflow at all).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.settings import get_settings
from core.targets import parse_origin
from schema.db import owner_transaction
from schema.repositories import confirmations, credentials, site_allowlist
from schema.repositories.consent import find_active_consent
from tests.integration.helpers import (
    OPERATION,
    SERVICE,
    audit_rows,
    grant,
    headers,
    status,
    store_admin_credential,
    wait_terminal,
    wait_until,
)
from tests.stack_fixtures import ROOT

pytestmark = pytest.mark.stack
TEMPORAL_CLI = Path.home() / ".cache" / "omniops" / "bin" / "temporal"
SENSITIVE_OP = "raw_signal_app_password"


def raw_signal(workflow_id: str, name: str, payload: dict[str, Any]) -> None:
    """``temporal workflow signal`` with a plain JSON input: what anyone who reaches Temporal can send."""
    s = get_settings()
    subprocess.run(
        [
            str(TEMPORAL_CLI),
            "workflow",
            "signal",
            "--address",
            s.temporal.address,
            "--namespace",
            s.temporal.namespace,
            "--workflow-id",
            workflow_id,
            "--name",
            name,
            "--input",
            json.dumps(payload),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


def ignored_rows(tenant: str, op_id: str) -> list[Any]:
    return [r for r in audit_rows(tenant, op_id) if r.mode == "signal"]


async def until_ignored(tenant: str, op_id: str, n: int, timeout: float = 60) -> list[Any]:
    for _ in range(int(timeout * 10)):
        rows = ignored_rows(tenant, op_id)
        if len(rows) >= n:
            return rows
        await asyncio.sleep(0.1)
    raise AssertionError(f"expected {n} ignored-signal audit rows, got {ignored_rows(tenant, op_id)}")


def register_site(tenant: str, site_url: str) -> None:
    """The operator allowlists the local WordPress for this tenant (http, loopback)."""
    with owner_transaction() as s:
        site_allowlist.allow(s, tenant, str(parse_origin(site_url)), "operator", "local WordPress (test)")


def pin_credential(tenant: str, site_url: str) -> None:
    """Set the admin credential's registered origin if the API did not (it does once it records it)."""
    with owner_transaction() as s:
        row = credentials.get_credential(s, tenant, SERVICE, "admin")
        assert row is not None
        row.origin = row.origin or str(parse_origin(site_url))


async def test_a_raw_grant_consent_leaves_the_operation_awaiting_consent(
    api: Any, live: Any, tenant: str
) -> None:
    register_site(tenant, live.wp["url"])
    await store_admin_credential(api, tenant, live.wp)
    # a real consent, but another tenant's: its id is a record, not one of this operation's
    other = f"{tenant}-other"
    await grant(api, other)
    with owner_transaction() as s:
        foreign = find_active_consent(s, other, SERVICE, OPERATION, datetime.now(UTC))
        assert foreign is not None
        foreign_id = str(foreign.id)
    r = await api.post(
        "/api/autonomous/initiate",
        headers=headers(tenant, user="scheduler", roles=(get_settings().auth.system_role,)),
        json={"service": SERVICE, "operation": OPERATION, "inputs": {"site_url": live.wp["url"]}},
    )
    assert r.status_code == 202, r.text
    op_id, wf_id = r.json()["operation_id"], r.json()["workflow_id"]
    await wait_until(api, tenant, op_id, lambda s: s["status"] == "awaiting_consent")
    forged = [
        {"consent_id": str(uuid.uuid4()), "granted_by": "mallory"},
        {"consent_id": "not-a-uuid", "granted_by": "mallory", "expires_at": None},
        {"consent_id": foreign_id, "granted_by": "mallory"},
    ]
    for payload in forged:
        raw_signal(wf_id, "grant_consent", payload)
    rows = await until_ignored(tenant, op_id, len(forged))
    assert [(r.step_number, r.success, r.action) for r in rows] == [
        (0, False, "signal grant_consent ignored")
    ] * 3
    await asyncio.sleep(1)  # give a wrongly honoured grant the time to open a session
    s = await status(api, tenant, op_id)
    assert s["status"] == "awaiting_consent" and s["current_step"] == 0
    assert [r for r in audit_rows(tenant, op_id) if r.mode != "signal"] == []  # no browser step ran
    r = await api.post(f"/api/autonomous/{op_id}/cancel", headers=headers(tenant))
    assert r.status_code == 202, r.text
    assert (await wait_terminal(api, tenant, op_id))["status"] == "cancelled"


def add_sensitive_definition() -> None:
    src = (ROOT / "definitions" / SERVICE / f"{OPERATION}.yaml").read_text()
    body = src.replace(f"operation: {OPERATION}", f"operation: {SENSITIVE_OP}").replace(
        '    target: "#do_new_application_password"\n',
        '    target: "#do_new_application_password"\n    sensitive: true\n',
    )
    assert body.count("sensitive: true") == 1
    (get_settings().definitions_dir / SERVICE / f"{SENSITIVE_OP}.yaml").write_text(body)


async def test_a_raw_confirm_action_never_runs_the_sensitive_step(api: Any, live: Any, tenant: str) -> None:
    add_sensitive_definition()
    register_site(tenant, live.wp["url"])
    await store_admin_credential(api, tenant, live.wp)
    pin_credential(tenant, live.wp["url"])
    r = await api.post(
        "/api/autonomous/initiate",
        headers=headers(tenant),
        json={
            "service": SERVICE,
            "operation": SENSITIVE_OP,
            "consent": True,
            "inputs": {"site_url": live.wp["url"]},
        },
    )
    assert r.status_code == 202, r.text
    op_id, wf_id = r.json()["operation_id"], r.json()["workflow_id"]
    await wait_until(api, tenant, op_id, lambda s: s["awaiting_confirmation"] == 7)
    with owner_transaction() as s:
        step6 = confirmations.record_confirmation(s, tenant, uuid.UUID(op_id), 6, True, "alice", None)
        step6_id = str(step6.id)
    forged = [
        {"step_number": 7, "approved": True, "by": "mallory"},
        {"step_number": 7, "approved": True, "by": "mallory", "confirmation_id": str(uuid.uuid4())},
        {"step_number": 7, "approved": True, "by": "mallory", "confirmation_id": step6_id},
    ]
    for payload in forged:
        raw_signal(wf_id, "confirm_action", payload)
    rows = await until_ignored(tenant, op_id, len(forged))
    assert {(r.step_number, r.action) for r in rows} == {(7, "signal confirm_action ignored")}
    await asyncio.sleep(1)  # give a wrongly honoured confirmation the time to run the step
    s = await status(api, tenant, op_id)
    assert (s["status"], s["current_step"], s["awaiting_confirmation"]) == ("in_progress", 7, 7)
    ran = [r for r in audit_rows(tenant, op_id) if r.mode != "signal"]
    assert max(r.step_number for r in ran) == 6 and not any(r.mode == "human" for r in ran)

    # control: a decision the API would have persisted, named by the same raw CLI signal, counts
    with owner_transaction() as s:
        real = confirmations.record_confirmation(s, tenant, uuid.UUID(op_id), 7, True, "carol", "expected")
        real_id = str(real.id)
    raw_signal(
        wf_id, "confirm_action", {"step_number": 7, "approved": False, "by": "x", "confirmation_id": real_id}
    )
    final = await wait_terminal(api, tenant, op_id)
    assert final["status"] == "completed", final
    human = [r for r in audit_rows(tenant, op_id) if r.mode == "human"]
    assert (
        len(human) == 1 and human[0].reason == "approved by carol: expected"
    )  # the record's, not the signal's
