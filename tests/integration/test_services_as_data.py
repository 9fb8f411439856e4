"""Issue 15 Builds 1, 2, 3 and 8 end to end: Redmine and Zabbix as data with verified outcomes,
a registry reload while an operation runs, an invalid sequence rejected naming the field, and the
credential-access log. Real API, Temporal, Vault, Postgres, Chromium, WordPress, Redmine, Zabbix."""

from __future__ import annotations

import json
import os
import signal
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.settings import get_settings
from core.vault import VaultStore, credential_path
from tests.integration.helpers import (
    allow_site,
    headers,
    operator,
    wait_terminal,
    wait_until,
)

pytestmark = pytest.mark.stack


async def run_operation(
    api: Any, tenant: str, site: dict[str, str], service: str, operation: str
) -> dict[str, Any]:
    """Start ``service/operation`` on ``site`` for ``tenant`` (see ``start``) and wait for its end."""
    return await wait_terminal(api, tenant, await start(api, tenant, site, service, operation), timeout=240)


async def access_log(api: Any, tenant: str, credential_type: str) -> list[dict[str, Any]]:
    r = await api.get("/api/autonomous/credentials", headers=headers(tenant))
    (cred,) = [c for c in r.json() if c["credential_type"] == credential_type]
    r = await api.get(f"/api/autonomous/credentials/{cred['id']}/access-log", headers=headers(tenant))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_redmine_api_key_end_to_end_with_a_verified_outcome(api: Any, live: Any, tenant: str) -> None:
    site = live.stack.site("redmine")
    final = await run_operation(api, tenant, site, "redmine", "api_key_generation")
    assert final["status"] == "completed", final
    assert final["result"]["connection_test_passed"] is True
    key = VaultStore(get_settings()).read(credential_path(tenant, "redmine", "api_key"))
    assert key is not None and len(key["password"]) == 40
    r = httpx.get(
        f"{site['url']}/users/current.json", headers={"X-Redmine-API-Key": key["password"]}, timeout=30
    )
    assert r.status_code == 200 and r.json()["user"]["login"] == "admin"
    bad = httpx.get(f"{site['url']}/users/current.json", headers={"X-Redmine-API-Key": "0" * 40}, timeout=30)
    assert bad.status_code == 401
    # Build 8: every read of the new key by an activity is logged, with its operation
    reads = await access_log(api, tenant, "api_key")
    purposes = {(x["purpose"], x["activity"]) for x in reads}
    assert ("connection_test", "test_connection") in purposes
    assert all(x["operation_id"] for x in reads if x["purpose"] == "connection_test")
    admin_reads = {x["purpose"] for x in await access_log(api, tenant, "admin")}
    assert {"prepare_session", "record_credential"} <= admin_reads
    # and Vault's own file audit device saw the reads (values HMAC'd, never in clear)
    audit = (get_settings().data_dir / "vault-audit.log").read_text()
    assert f"tenants/{tenant}/redmine/api_key" in audit and key["password"] not in audit


async def test_zabbix_api_token_end_to_end_with_a_verified_outcome(api: Any, live: Any, tenant: str) -> None:
    site = live.stack.site("zabbix")
    final = await run_operation(api, tenant, site, "zabbix", "api_token_generation")
    assert final["status"] == "completed", final
    assert final["result"]["connection_test_passed"] is True
    token = VaultStore(get_settings()).read(credential_path(tenant, "zabbix", "api_token"))
    assert token is not None and len(token["password"]) == 64
    call = {
        "jsonrpc": "2.0",
        "method": "host.get",
        "params": {"limit": 1},
        "auth": token["password"],
        "id": 1,
    }
    r = httpx.post(f"{site['url']}/api_jsonrpc.php", json=call, timeout=30)
    assert r.status_code == 200 and "result" in r.json(), r.text
    r = httpx.post(f"{site['url']}/api_jsonrpc.php", json={**call, "auth": "0" * 64}, timeout=30)
    assert "error" in r.json()


def probe(text: str, name: str, version: int, expect_status: int) -> str:
    """The Redmine definition as operation ``name`` at ``version``, its test expecting ``expect_status``."""
    text = text.replace("operation: api_key_generation", f"operation: {name}")
    text = text.replace("\nversion: 1\n", f"\nversion: {version}\n")
    return text.replace("        status: 200", f"        status: {expect_status}")


async def start(api: Any, tenant: str, site: dict[str, str], service: str, operation: str) -> str:
    """Register ``site``'s admin for ``tenant`` and start ``service/operation`` with consent."""
    await allow_site(api, tenant, site["url"])
    admin = json.loads(Path(site["password_file"]).read_text())
    body = {"service": service, "credential_type": "admin", "site_url": site["url"], **admin}
    r = await api.post("/api/autonomous/credentials", headers=headers(tenant), json=body)
    assert r.status_code == 201, r.text
    r = await api.post(
        "/api/autonomous/initiate",
        headers=headers(tenant),
        json={
            "service": service,
            "operation": operation,
            "consent": True,
            "inputs": {"site_url": site["url"]},
        },
    )
    assert r.status_code == 202, r.text
    return str(r.json()["operation_id"])


async def test_reload_while_an_operation_runs_it_finishes_on_its_old_version(
    api: Any, live: Any, tenant: str
) -> None:
    # Redmine, not the WordPress shared by every local stack: its sessions are ours alone
    site = live.stack.site("redmine")
    folder = get_settings().definitions_dir / "redmine"
    src = (folder / "api_key_generation.yaml").read_text()
    name = f"reload_probe_{uuid.uuid4().hex[:6]}"
    path = folder / f"{name}.yaml"
    path.write_text(probe(src, name, 1, 200))
    op_id = await start(api, tenant, site, "redmine", name)
    await wait_until(api, tenant, op_id, lambda s: s["current_step"] >= 2, timeout=180)
    pid = live.stack.running("worker-operations")
    os.kill(pid, signal.SIGSTOP)  # hold the browser mid-operation while the definition changes
    try:
        # version 2's connection test can never pass: the operation passes only on version 1
        path.write_text(probe(src, name, 2, 599))
        r = await api.post("/api/autonomous/services/reload", headers=operator())
        assert r.status_code == 200, r.text
        assert f"redmine/{name}@v2" in r.json()["loaded"]
    finally:
        os.kill(pid, signal.SIGCONT)
    final = await wait_terminal(api, tenant, op_id, timeout=240)
    assert final["status"] == "completed" and final["result"]["connection_test_passed"] is True, final
    r = await api.get("/api/autonomous/services", headers=headers(tenant))
    (view,) = [s for s in r.json() if s["operation"] == name]
    assert view["version"] == 2 and view["versions"] == [1, 2]

    # an invalid HTTP sequence is rejected naming the field; version 2 stays in use
    path.write_text(probe(src, name, 3, 200).replace("path: /users/current.json", "path: users/current.json"))
    r = await api.post("/api/autonomous/services/reload", headers=operator())
    assert r.status_code == 200, r.text
    why = r.json()["rejected"][f"redmine/{path.name}"]
    assert "connection_test.steps.0.path" in why, why
    r = await api.get("/api/autonomous/services", headers=headers(tenant))
    assert [s["version"] for s in r.json() if s["operation"] == name] == [2]
    r = await api.post("/api/autonomous/services/reload", headers=headers(tenant))
    assert r.status_code == 403  # tenant users may not reload the platform's definitions
    path.unlink()
