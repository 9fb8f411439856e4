"""Bounded operations (issue 10, part 6) and persisted confirmations (part 5), through the real
API, Postgres, Temporal and WordPress: a tenant's cap of unended operations (race-safe, replay-safe,
not held by workflows that closed without writing their end), the inputs size limit, and a step
confirmation recorded before its signal, which carries the record's id.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.converter import WorkflowSerializationContext

from core.settings import get_settings
from core.temporal import connect
from schema.db import owner_transaction
from schema.repositories.consent import list_consents
from schema.tables import AutonomousOperation, OperationConfirmation
from tests.integration.helpers import (
    OPERATION,
    SERVICE,
    headers,
    store_admin_credential,
    wait_terminal,
    wait_until,
)
from tests.integration.target_helpers import assert_not_started, cancel, db_rows, initiate_body
from workflows import ids

pytestmark = pytest.mark.stack


async def test_a_tenant_has_a_cap_of_unended_operations(
    api: Any, live: Any, tenant: str, temporal_client: Client
) -> None:
    await store_admin_credential(api, tenant, live.wp)
    cap = get_settings().operations.max_concurrent_per_tenant
    system = headers(tenant, roles=("system",))

    async def start(key: str) -> Any:
        body = initiate_body(live.wp["url"], key, False)
        return await api.post("/api/autonomous/initiate", headers=system, json=body)

    burst = await asyncio.gather(*(start(f"cap-{i}") for i in range(cap + 2)))  # at once: no race
    codes = sorted(r.status_code for r in burst)
    assert codes == [202] * cap + [429] * 2, [r.text for r in burst]
    refused = next(r for r in burst if r.status_code == 429)
    assert int(refused.headers["retry-after"]) > 0
    assert refused.headers["content-type"].startswith("application/problem+json")
    started = [r.json()["operation_id"] for r in burst if r.status_code == 202]
    assert sorted(str(r.id) for r in db_rows(AutonomousOperation, tenant)) == sorted(started)
    replay_key = next(f"cap-{i}" for i, r in enumerate(burst) if r.status_code == 202)
    again = await start(replay_key)  # an idempotent replay is not a new operation: no 429
    assert again.status_code == 202 and again.json()["operation_id"] in started, again.text
    assert len(db_rows(AutonomousOperation, tenant)) == cap
    # An operator terminates one: its row still says awaiting_consent, but its slot is freed.
    await temporal_client.get_workflow_handle(f"op-{tenant}-{started[0]}").terminate("test")
    after = await start("after-terminate")
    assert after.status_code == 202, after.text
    statuses = {str(r.id): r.status for r in db_rows(AutonomousOperation, tenant)}
    assert statuses[started[0]] == "cancelled"
    assert (await start("over-again")).status_code == 429
    for op_id in [*started[1:], after.json()["operation_id"]]:
        await cancel(api, temporal_client, tenant, op_id)
    last = await start("after-cancel")  # the slots are free again
    assert last.status_code == 202, last.text
    await cancel(api, temporal_client, tenant, last.json()["operation_id"])


async def test_inputs_over_the_limits_are_422_and_start_nothing(
    api: Any, live: Any, tenant: str, temporal_client: Client
) -> None:
    await store_admin_credential(api, tenant, live.wp)
    big = "x" * (get_settings().operations.max_inputs_bytes + 1)
    many = {f"k{i}": "v" for i in range(20)}  # 21 keys with site_url
    r = await api.post(
        "/api/autonomous/initiate",
        headers=headers(tenant),
        json=initiate_body(live.wp["url"], "big", inputs={"note": big}),
    )
    assert r.status_code == 422 and "bytes as JSON" in r.json()["detail"], r.text
    r = await api.post(
        "/api/autonomous/initiate",
        headers=headers(tenant),
        json=initiate_body(live.wp["url"], "many", inputs=many),
    )
    assert r.status_code == 422 and "21 keys" in r.json()["detail"], r.text
    await assert_not_started(temporal_client, tenant, ["big", "many"])
    with owner_transaction() as s:
        assert list_consents(s, tenant) == []


async def test_a_confirmation_is_persisted_and_signalled_with_its_record_id(
    api: Any, live: Any, tenant: str
) -> None:
    src = (get_settings().definitions_dir / SERVICE / f"{OPERATION}.yaml").read_text()
    body = src.replace(f"operation: {OPERATION}", "operation: confirm_record_check").replace(
        '    target: "#do_new_application_password"\n',
        '    target: "#do_new_application_password"\n    sensitive: true\n',
    )
    assert body.count("sensitive: true") == 1
    (get_settings().definitions_dir / SERVICE / "confirm_record_check.yaml").write_text(body)
    await store_admin_credential(api, tenant, live.wp)
    r = await api.post(
        "/api/autonomous/initiate",
        headers=headers(tenant),
        json={**initiate_body(live.wp["url"], "confirm"), "operation": "confirm_record_check"},
    )
    assert r.status_code == 202, r.text
    op_id, wf_id = r.json()["operation_id"], r.json()["workflow_id"]
    s = await wait_until(api, tenant, op_id, lambda s: s["awaiting_confirmation"] is not None)
    step = s["awaiting_confirmation"]
    r = await api.post(
        f"/api/autonomous/{op_id}/confirm",
        headers=headers(tenant, user="vic", roles=("viewer",)),
        json={"step_number": step, "approve": True},
    )
    assert r.status_code == 403
    assert db_rows(OperationConfirmation, tenant) == []  # refused before anything was written
    r = await api.post(
        f"/api/autonomous/{op_id}/confirm",
        headers=headers(tenant, user="carol"),
        json={"step_number": step, "approve": False, "reason": "not today"},
    )
    assert r.status_code == 202, r.text
    [row] = db_rows(OperationConfirmation, tenant)
    assert (str(row.operation_id), row.step_number, row.approved) == (op_id, step, False)
    assert (row.decided_by, row.reason) == ("carol", "not today")
    await wait_terminal(api, tenant, op_id)
    client = await connect(scoping=ids)  # with the payload codec: signal inputs are encrypted in history
    history = await client.get_workflow_handle(wf_id).fetch_history()
    signals = [
        e.workflow_execution_signaled_event_attributes
        for e in history.events
        if e.HasField("workflow_execution_signaled_event_attributes")
        and e.workflow_execution_signaled_event_attributes.signal_name == "confirm_action"
    ]
    assert len(signals) == 1
    converter = client.data_converter.with_context(WorkflowSerializationContext(client.namespace, wf_id))
    [decision] = await converter.decode(signals[0].input.payloads)
    assert decision["confirmation_id"] == str(row.id) and decision["by"] == "carol"
