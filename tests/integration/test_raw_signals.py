"""Forged signals (issue 10, "signals are hints; records are the truth"; issue 11, plaintext
payloads refused), on the real stack.

An attacker who can reach Temporal sends ``grant_consent`` or ``confirm_action`` with the
Temporal CLI (``temporal workflow signal``), bypassing the API. The CLI sends a plain JSON
payload (no codec, no key). Since issue 11 the workers' codec (core/codec.py) refuses a payload
that is not ``binary/encrypted``: decoding the activation fails, so the workflow task fails
(``WorkflowTaskFailed``, its failure naming the refusal) before any workflow code sees the
signal. The forged signal is never honoured, even when it names a real consent record; the price
is that the workflow cannot make progress past the poisoned event (the server retries the task)
until an operator terminates it or resets it to before the signal, which is what this test shows.

A forged signal that *is* encoded (sent by something holding the tenant's key: the API, a worker)
still meets the issue 10 rule: the workflow finds the record the API persisted before it acts, so
a forged grant leaves the operation in ``awaiting_consent`` and a forged confirmation leaves the
sensitive step unrun; each is audited as ignored. A signal naming a real record then works (the
control that shows the encoded path reaches the workflow at all).
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
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.converter import WorkflowSerializationContext

from core.settings import get_settings
from core.targets import parse_origin
from core.temporal import connect
from schema.db import owner_transaction
from schema.repositories import confirmations, consent, credentials, site_allowlist
from schema.repositories.consent import find_active_consent
from schema.tables import AutonomousConsent
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
from workflows import ids

pytestmark = pytest.mark.stack
TEMPORAL_CLI = Path.home() / ".cache" / "omniops" / "bin" / "temporal"
SENSITIVE_OP = "raw_signal_app_password"


async def coded_signal(workflow_id: str, name: str, payload: dict[str, Any]) -> None:
    """The same JSON as the CLI's, through our codec (the tenant's key): a forged but encoded signal."""
    await (await connect(scoping=ids)).get_workflow_handle(workflow_id).signal(name, payload)


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


async def workflow_task_failures(client: Client, workflow_id: str, after: int) -> list[BaseException]:
    """The decoded failures of the ``WorkflowTaskFailed`` events after event ``after``."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    dc = client.data_converter.with_context(
        WorkflowSerializationContext(namespace=client.namespace, workflow_id=workflow_id)
    )
    return [
        await dc.decode_failure(e.workflow_task_failed_event_attributes.failure)
        for e in history.events
        if e.event_id > after and e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
    ]


async def last_event_id(client: Client, workflow_id: str) -> int:
    return (await client.get_workflow_handle(workflow_id).fetch_history()).events[-1].event_id


async def test_forged_grants_leave_the_operation_awaiting_consent_and_a_plaintext_one_is_refused(
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
    for payload in forged:  # encoded with the tenant's key, so they reach the workflow
        await coded_signal(wf_id, "grant_consent", payload)
    rows = await until_ignored(tenant, op_id, len(forged))
    assert [(r.step_number, r.success, r.action) for r in rows] == [
        (0, False, "signal grant_consent ignored")
    ] * 3

    # plaintext from the CLI, naming a real consent of this tenant: refused by the codec
    with owner_transaction() as s:
        own = consent.grant_consent(
            s,
            AutonomousConsent(
                tenant_id=tenant, user_id="alice", service=SERVICE, operation=OPERATION, permissions=["x"]
            ),
        )
        own_id = str(own.id)
    client = await connect(scoping=ids)
    before = await last_event_id(client, wf_id)
    raw_signal(wf_id, "grant_consent", {"consent_id": own_id, "granted_by": "mallory"})
    for _ in range(300):
        if failures := await workflow_task_failures(client, wf_id, before):
            break
        await asyncio.sleep(0.1)
    assert failures, "the plaintext signal did not fail the workflow task"
    assert all("not encrypted" in str(f) for f in failures), failures
    assert "mallory" not in str(failures[0]) and own_id not in str(failures[0])  # no contents echoed
    history = await (await connect(encrypted=False)).get_workflow_handle(wf_id).fetch_history()
    [sig] = [
        e
        for e in history.events
        if e.event_id > before and e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    ]
    assert (
        sig.workflow_execution_signaled_event_attributes.input.payloads[0].metadata["encoding"]
        == b"json/plain"
    )
    await asyncio.sleep(1)  # give a wrongly honoured grant the time to open a session
    s = await status(api, tenant, op_id)
    assert s["status"] == "awaiting_consent" and s["current_step"] == 0
    assert len(ignored_rows(tenant, op_id)) == 3  # it never reached the workflow code either
    assert [r for r in audit_rows(tenant, op_id) if r.mode != "signal"] == []  # no browser step ran

    # the poisoned workflow cannot proceed; the operator terminates it
    handle = client.get_workflow_handle(wf_id)
    await handle.terminate("forged plaintext signal in history")
    assert (await handle.describe()).status == WorkflowExecutionStatus.TERMINATED


def add_sensitive_definition() -> None:
    src = (ROOT / "definitions" / SERVICE / f"{OPERATION}.yaml").read_text()
    body = src.replace(f"operation: {OPERATION}", f"operation: {SENSITIVE_OP}").replace(
        '    target: "#do_new_application_password"\n',
        '    target: "#do_new_application_password"\n    sensitive: true\n',
    )
    assert body.count("sensitive: true") == 1
    (get_settings().definitions_dir / SERVICE / f"{SENSITIVE_OP}.yaml").write_text(body)


async def test_a_forged_confirm_action_never_runs_the_sensitive_step(
    api: Any, live: Any, tenant: str
) -> None:
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
        await coded_signal(wf_id, "confirm_action", payload)
    rows = await until_ignored(tenant, op_id, len(forged))
    assert {(r.step_number, r.action) for r in rows} == {(7, "signal confirm_action ignored")}
    await asyncio.sleep(1)  # give a wrongly honoured confirmation the time to run the step
    s = await status(api, tenant, op_id)
    assert (s["status"], s["current_step"], s["awaiting_confirmation"]) == ("in_progress", 7, 7)
    ran = [r for r in audit_rows(tenant, op_id) if r.mode != "signal"]
    assert max(r.step_number for r in ran) == 6 and not any(r.mode == "human" for r in ran)

    # control: a decision the API would have persisted, named by the same encoded signal, counts
    with owner_transaction() as s:
        real = confirmations.record_confirmation(s, tenant, uuid.UUID(op_id), 7, True, "carol", "expected")
        real_id = str(real.id)
    await coded_signal(
        wf_id, "confirm_action", {"step_number": 7, "approved": False, "by": "x", "confirmation_id": real_id}
    )
    final = await wait_terminal(api, tenant, op_id)
    assert final["status"] == "completed", final
    human = [r for r in audit_rows(tenant, op_id) if r.mode == "human"]
    assert (
        len(human) == 1 and human[0].reason == "approved by carol: expected"
    )  # the record's, not the signal's
