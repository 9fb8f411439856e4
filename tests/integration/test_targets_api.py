"""Operations target registered sites (issue 10, parts 1 and 6), through the real API, Postgres,
Vault, Temporal and WordPress: SSRF targets are refused when a credential is registered and
again at initiate, with one tenant-visible reason; an http origin needs an operator's allowlist
for that tenant; a tenant has a cap of unended operations; inputs have a size limit; a step
confirmation is persisted before the signal. A local TCP listener stands in for every forbidden
target that could be reached, and counts the connections that reach it (always 0).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import ada_url
import pytest
from sqlmodel import select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from api.services.operations import operation_id_for
from core.settings import get_settings
from core.targets import REFUSED
from core.temporal import connect
from core.vault import VaultStore, credential_path
from schema.db import engine_for, transaction
from schema.repositories.consent import list_consents
from schema.tables import AutonomousCredential, AutonomousOperation, OperationConfirmation
from tests.integration.helpers import (
    OPERATION,
    SERVICE,
    allow_site,
    grant,
    headers,
    operator,
    store_admin_credential,
    wait_terminal,
    wait_until,
)

pytestmark = pytest.mark.stack
NO_CREDENTIAL = f"no {SERVICE} admin credential is registered for this site"


class Listener:
    """A TCP server on 127.0.0.1 that answers with an attacker's login page and counts every
    connection that reaches it."""

    def __init__(self) -> None:
        self.connections = 0

    async def start(self) -> Listener:
        self.server = await asyncio.start_server(self._on, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _on(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        page = b"<form method=post><input name=log><input type=password name=pwd></form>"
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
        writer.write(head + b"Content-Length: %d\r\n\r\n" % len(page) + page)
        await writer.drain()
        writer.close()


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    lst = await Listener().start()
    yield lst
    lst.server.close()
    await lst.server.wait_closed()


def ssrf_targets(port: int) -> list[str]:
    """Every target the issue names, plus neighbours: our own listener's port on loopback under
    several spellings, Vault's default and the test stack's port, the metadata address, private,
    CGNAT and multicast addresses, IPv6 loopback, and the userinfo trick urlsplit gets wrong."""
    vault_port = ada_url.URL(get_settings().vault.addr).port
    return [
        "http://127.0.0.1:1",
        "https://127.0.0.1:8200",
        f"https://127.0.0.1:{vault_port}",
        "http://169.254.169.254",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1",
        "https://100.64.0.1",
        "https://224.0.0.1",
        "https://0.0.0.0",
        f"https://[::1]:{port}",
        f"https://[::ffff:127.0.0.1]:{port}",
        f"https://localhost:{port}",
        f"http://localhost:{port}",
        f"http://127.0.0.1:{port}",
        f"https://evil.test\\@127.0.0.1:{port}/",
    ]


def credential_body(site_url: str) -> dict[str, str]:
    return {
        "service": SERVICE,
        "credential_type": "admin",
        "username": "admin",
        "password": f"pw-{uuid.uuid4().hex}",
        "site_url": site_url,
    }


def initiate_body(site_url: str, key: str, consent: bool = True, **inputs: str) -> dict[str, Any]:
    return {
        "service": SERVICE,
        "operation": OPERATION,
        "consent": consent,
        "idempotency_key": key,
        "inputs": {"site_url": site_url, **inputs},
    }


def db_rows(model: Any, tenant: str) -> list[Any]:
    with transaction(engine_for(get_settings().database.url)) as s:
        return list(s.scalars(select(model).where(model.tenant_id == tenant)))


async def assert_not_started(client: Client, tenant: str, keys: list[str]) -> None:
    """No operation row for the tenant, and no workflow under any of the keys' operation ids."""
    assert db_rows(AutonomousOperation, tenant) == []
    for key in keys:
        wf_id = f"op-{tenant}-{operation_id_for(tenant, key)}"
        with pytest.raises(RPCError) as e:
            await client.get_workflow_handle(wf_id).describe()
        assert e.value.status == RPCStatusCode.NOT_FOUND


async def cancel(api: Any, client: Client, tenant: str, op_id: str) -> None:
    """Cancel an operation through the API and wait until its workflow has closed."""
    r = await api.post(f"/api/autonomous/{op_id}/cancel", headers=headers(tenant))
    assert r.status_code == 202, r.text
    handle = client.get_workflow_handle(f"op-{tenant}-{op_id}")
    for _ in range(600):
        if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"operation {op_id} did not close after its cancel")


async def test_ssrf_targets_are_refused_when_a_credential_is_registered(
    api: Any, live: Any, tenant: str, listener: Listener
) -> None:
    targets = ssrf_targets(listener.port)
    bodies = set()
    for url in targets:
        r = await api.post("/api/autonomous/credentials", headers=headers(tenant), json=credential_body(url))
        assert r.status_code == 422, (url, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"] == REFUSED, url
        bodies.add(r.content)
    assert len(bodies) == 1  # byte-identical: a refused port reads like a private address
    r = await api.get("/api/autonomous/credentials", headers=headers(tenant))
    assert r.status_code == 200 and r.json() == []
    assert db_rows(AutonomousCredential, tenant) == []
    assert VaultStore(get_settings()).read(credential_path(tenant, SERVICE, "admin")) is None
    assert listener.connections == 0


async def test_ssrf_targets_are_refused_at_initiate(
    api: Any, live: Any, tenant: str, listener: Listener, temporal_client: Client
) -> None:
    await store_admin_credential(api, tenant, live.wp)  # the tenant's one registered site
    targets, keys, bodies = ssrf_targets(listener.port), [], set()
    for i, url in enumerate(targets):
        keys.append(f"ssrf-{i}")
        r = await api.post(
            "/api/autonomous/initiate", headers=headers(tenant), json=initiate_body(url, keys[-1])
        )
        assert r.status_code == 422, (url, r.text)
        assert r.json()["detail"] == NO_CREDENTIAL, url
        bodies.add(r.content)
    assert len(bodies) == 1
    # Vetted again at initiate: sites registered while an operator allowlisted them, then removed.
    for i, url in enumerate(t for t in targets if "evil.test" not in t):
        origin = await allow_site(api, tenant, url)
        r = await api.post("/api/autonomous/credentials", headers=headers(tenant), json=credential_body(url))
        assert r.status_code == 201 and r.json()["origin"] == origin, r.text
        r = await api.delete(
            "/api/admin/site-allowlist", headers=operator(), params={"tenant_id": tenant, "origin": origin}
        )
        assert r.status_code == 204, r.text
        keys.append(f"revoked-{i}")
        r = await api.post(
            "/api/autonomous/initiate", headers=headers(tenant), json=initiate_body(url, keys[-1])
        )
        assert r.status_code == 422 and r.json()["detail"] == REFUSED, (url, r.text)
        bodies.add(r.content)
    assert len(bodies) == 2  # one text for "not registered", one for "refused"
    await assert_not_started(temporal_client, tenant, keys)
    with transaction(engine_for(get_settings().database.url)) as s:
        assert list_consents(s, tenant) == []  # consent: true recorded nothing either
    assert listener.connections == 0


async def test_a_member_with_an_active_consent_cannot_aim_the_agent_at_an_attacker_page(
    api: Any, live: Any, tenant: str, listener: Listener, temporal_client: Client
) -> None:
    await store_admin_credential(api, tenant, live.wp)
    await grant(api, tenant)
    member = headers(tenant, user="mallory", roles=("member",))
    wp = ada_url.URL(live.wp["url"])
    attacks = [
        f"http://localhost:{listener.port}",
        f"http://127.0.0.1:{listener.port}/wp-login.php",
        f"http://{wp.hostname}:{listener.port}",  # the registered host, another port
        f"https://{wp.hostname}:{wp.port}",  # the registered host and port, another scheme
        f"http://evil.test\\@{wp.host}/",
    ]
    keys = []
    for i, url in enumerate(attacks):
        keys.append(f"attack-{i}")
        r = await api.post(
            "/api/autonomous/initiate", headers=member, json=initiate_body(url, keys[-1], False)
        )
        assert r.status_code == 422, (url, r.text)
        assert r.json()["detail"] in (NO_CREDENTIAL, REFUSED), url
    await assert_not_started(temporal_client, tenant, keys)
    assert listener.connections == 0


async def test_an_http_origin_needs_an_operator_allowlist_for_that_tenant(
    api: Any, live: Any, tenant: str, listener: Listener, temporal_client: Client
) -> None:
    url, other = f"http://127.0.0.1:{listener.port}", f"t-{uuid.uuid4().hex[:10]}"
    site = {"tenant_id": tenant, "origin": url, "reason": "local development"}
    r = await api.post("/api/autonomous/credentials", headers=headers(tenant), json=credential_body(url))
    assert r.status_code == 422 and r.json()["detail"] == REFUSED
    for roles in (("admin",), ("owner",), ("system",)):  # a tenant cannot allowlist for itself
        r = await api.post("/api/admin/site-allowlist", headers=headers(tenant, roles=roles), json=site)
        assert r.status_code == 403 and "operator" in r.json()["detail"], r.text
        r = await api.get(
            "/api/admin/site-allowlist", headers=headers(tenant, roles=roles), params={"tenant_id": tenant}
        )
        assert r.status_code == 403
    bad = await api.post(
        "/api/admin/site-allowlist", headers=operator(), json={**site, "origin": f"{url}/x?y=1"}
    )
    assert bad.status_code == 400, bad.text
    r = await api.post("/api/admin/site-allowlist", headers=operator(), json={**site, "origin": f"{url}/"})
    assert r.status_code == 201 and r.json()["origin"] == url and r.json()["added_by"] == "operator", r.text
    r = await api.post("/api/autonomous/credentials", headers=headers(tenant), json=credential_body(url))
    assert r.status_code == 201 and r.json()["origin"] == url and r.json()["site_url"] == url, r.text
    r = await api.post(
        "/api/autonomous/initiate",
        headers=headers(tenant, roles=("system",)),
        json=initiate_body(url, "ok", False),
    )
    assert r.status_code == 202 and r.json()["status"] == "awaiting_consent", r.text
    op_id = r.json()["operation_id"]
    # another tenant: still refused, and the allowlist it cannot see says nothing about it
    r = await api.post("/api/autonomous/credentials", headers=headers(other), json=credential_body(url))
    assert r.status_code == 422 and r.json()["detail"] == REFUSED
    r = await api.get("/api/admin/site-allowlist", headers=operator(), params={"tenant_id": other})
    assert r.status_code == 200 and r.json() == []
    r = await api.get("/api/admin/site-allowlist", headers=operator(), params={"tenant_id": tenant})
    assert [s["origin"] for s in r.json()] == [url]
    await cancel(api, temporal_client, tenant, op_id)
    params = {"tenant_id": tenant, "origin": url}
    assert (
        await api.delete("/api/admin/site-allowlist", headers=operator(), params=params)
    ).status_code == 204
    assert (
        await api.delete("/api/admin/site-allowlist", headers=operator(), params=params)
    ).status_code == 404
    assert listener.connections == 0  # registering and waiting for consent never connect


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
        json=initiate_body(live.wp["url"], "big", note=big),
    )
    assert r.status_code == 422 and "bytes as JSON" in r.json()["detail"], r.text
    r = await api.post(
        "/api/autonomous/initiate",
        headers=headers(tenant),
        json=initiate_body(live.wp["url"], "many", **many),
    )
    assert r.status_code == 422 and "21 keys" in r.json()["detail"], r.text
    await assert_not_started(temporal_client, tenant, ["big", "many"])
    with transaction(engine_for(get_settings().database.url)) as s:
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
    client = await connect()  # with the payload codec: signal inputs are encrypted in history
    history = await client.get_workflow_handle(wf_id).fetch_history()
    signals = [
        e.workflow_execution_signaled_event_attributes
        for e in history.events
        if e.HasField("workflow_execution_signaled_event_attributes")
        and e.workflow_execution_signaled_event_attributes.signal_name == "confirm_action"
    ]
    assert len(signals) == 1
    [decision] = await client.data_converter.decode(signals[0].input.payloads)
    assert decision["confirmation_id"] == str(row.id) and decision["by"] == "carol"
