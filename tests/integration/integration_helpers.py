"""Helpers of the integration-health tests (issue 15): consents, the stored integration, the
WordPress site's own view of application passwords (its REST API), waits."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from core.settings import get_settings
from core.vault import VaultStore, credential_path
from tests.integration.helpers import SERVICE, headers, initiate, store_admin_credential, wait_terminal

CTYPE = "application_password"
GENERATE, REVOKE = "application_password_generation", "application_password_revocation"
PERMS = {
    GENERATE: ["log_in_as_admin", "create_application_password"],
    REVOKE: ["log_in_as_admin", "revoke_application_password"],
}
ME = "/?rest_route=/wp/v2/users/me"
APP_PASSWORDS = "/?rest_route=/wp/v2/users/me/application-passwords"


async def consent(api: Any, tenant: str, operation: str, extra: list[str] | None = None) -> None:
    r = await api.post(
        "/api/autonomous/consent",
        headers=headers(tenant),
        json={
            "action": "grant",
            "service": SERVICE,
            "operation": operation,
            "permissions": PERMS[operation] + (extra or []),
        },
    )
    assert r.status_code == 200, r.text


async def stored_integration(api: Any, live: Any, tenant: str, auto_renew: bool) -> dict[str, Any]:
    """Register the admin credential, consent (with ``auto_renew`` and to revocation, or only
    to generation), run the generating operation to completion; the integration's view."""
    await store_admin_credential(api, tenant, live.wp)
    await consent(api, tenant, GENERATE, ["auto_renew"] if auto_renew else None)
    if auto_renew:
        await consent(api, tenant, REVOKE)
    op = await initiate(api, tenant, live.wp, consent=False)
    final = await wait_terminal(api, tenant, op["operation_id"], timeout=180)
    assert final["status"] == "completed", final
    view = await integration(api, tenant)
    assert view["status"] == "healthy", view
    return {"operation_id": op["operation_id"], **view}


async def integration(api: Any, tenant: str) -> dict[str, Any]:
    r = await api.get("/api/autonomous/integrations", headers=headers(tenant))
    assert r.status_code == 200, r.text
    rows = [i for i in r.json() if i["credential_type"] == CTYPE]
    assert len(rows) == 1, r.json()
    return rows[0]  # type: ignore[no-any-return]


async def wait_integration(api: Any, tenant: str, cond: Any, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = await integration(api, tenant)
        if cond(view):
            return view
        await asyncio.sleep(0.5)
    raise AssertionError(f"integration never reached the condition; last: {view}")


def secret(tenant: str) -> dict[str, Any]:
    data = VaultStore(get_settings()).read(credential_path(tenant, SERVICE, CTYPE))
    assert data is not None
    return data


def authenticates(site: str, username: str, password: str) -> int:
    """The site's answer to ``users/me`` with this application password (200 works, 401 not)."""
    return httpx.get(site.rstrip("/") + ME, auth=(username, password), timeout=15).status_code


def site_names(site: str, username: str, password: str) -> dict[str, str]:
    """The admin's application passwords on the site, name -> uuid (read with a working one)."""
    r = httpx.get(site.rstrip("/") + APP_PASSWORDS, auth=(username, password), timeout=15)
    assert r.status_code == 200, r.text
    return {p["name"]: p["uuid"] for p in r.json()}


def revoke_on_site(site: str, username: str, password: str, name: str) -> None:
    """Revoke one application password directly in WordPress (its REST API), as a site admin would."""
    uuid = site_names(site, username, password)[name]
    r = httpx.delete(f"{site.rstrip('/')}{APP_PASSWORDS}/{uuid}", auth=(username, password), timeout=15)
    assert r.status_code == 200, r.text
