"""Operations target registered sites (issue 10, parts 1 and 6), through the real API, Postgres,
Vault, Temporal and WordPress: SSRF targets are refused when a credential is registered and
again at initiate, with one tenant-visible reason; an http origin needs an operator's allowlist
for that tenant. A local TCP listener stands in for every forbidden target that could be
reached, and counts the connections that reach it (always 0).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import ada_url
import pytest
from temporalio.client import Client

from core.settings import get_settings
from core.targets import REFUSED
from core.vault import VaultStore, credential_path
from schema.db import owner_transaction
from schema.repositories.consent import list_consents
from schema.tables import AutonomousCredential
from tests.integration.helpers import SERVICE, allow_site, grant, headers, operator, store_admin_credential
from tests.integration.target_helpers import (
    NO_CREDENTIAL,
    Listener,
    assert_not_started,
    cancel,
    credential_body,
    db_rows,
    initiate_body,
)

pytestmark = pytest.mark.stack


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
    with owner_transaction() as s:
        assert list_consents(s, tenant) == []  # consent: true recorded nothing either
    assert listener.connections == 0


async def test_an_admin_with_an_active_consent_cannot_aim_the_agent_at_an_attacker_page(
    api: Any, live: Any, tenant: str, listener: Listener, temporal_client: Client
) -> None:
    await store_admin_credential(api, tenant, live.wp)
    await grant(api, tenant)
    member = headers(tenant, user="mallory", roles=("member",))
    r = await api.post(
        "/api/autonomous/initiate", headers=member, json=initiate_body(live.wp["url"], "m", False)
    )
    assert r.status_code == 403, r.text  # members may not initiate at all (the matrix)
    member = headers(tenant, user="mallory", roles=("admin",))
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
