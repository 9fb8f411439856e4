"""Integration health, self-healing, rotation and notifications (issue 15 Builds 4, 5, 7), with
real WordPress, Vault, Postgres, Temporal and Chromium, and a local webhook receiver."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from schema.db import owner_transaction
from tests.integration.helpers import headers
from tests.integration.integration_helpers import (
    CTYPE,
    GENERATE,
    authenticates,
    consent,
    integration,
    revoke_on_site,
    secret,
    site_names,
    stored_integration,
    wait_integration,
)
from tests.integration.webhook_receiver import Receiver, receiver

pytestmark = pytest.mark.stack
BASE = "/api/autonomous/integrations/wordpress/application_password"


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


async def subscribe(api: Any, tenant: str, hooks: Receiver) -> str:
    r = await api.post("/api/webhooks", headers=headers(tenant), json={"url": hooks.url})
    assert r.status_code == 201, r.text
    return str(r.json()["secret"])


def steps(tenant: str) -> list[tuple[str, bool]]:
    with owner_transaction() as s:
        rows = s.execute(
            text("SELECT step, success FROM integration_events WHERE tenant_id = :t ORDER BY created_at"),
            {"t": tenant},
        )
        return [(r[0], r[1]) for r in rows]


def wait_for(cond: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


async def test_webhook_urls_are_vetted_and_a_test_send_is_signed(
    api: Any, tenant: str, hooks: Receiver
) -> None:
    bad = await api.post("/api/webhooks", headers=headers(tenant), json={"url": "http://example.com/hook"})
    assert bad.status_code == 422 and "url" in bad.text
    vault_port = await api.post(
        "/api/webhooks", headers=headers(tenant), json={"url": "http://127.0.0.1:1/x"}
    )
    assert vault_port.status_code in (201, 422)
    whsec = await subscribe(api, tenant, hooks)
    listed = (await api.get("/api/webhooks", headers=headers(tenant))).json()
    assert [e["secret"] for e in listed if e["url"] == hooks.url] == [None]
    endpoint = next(e["id"] for e in listed if e["url"] == hooks.url)
    r = await api.post(f"/api/webhooks/{endpoint}/test", headers=headers(tenant))
    assert r.status_code == 200 and r.json()["status"] == "delivered", r.text
    [d] = hooks.of("webhook.test")
    assert d.verified(whsec)["data"]["endpoint_id"] == endpoint
    assert d.headers["webhook-id"] == r.json()["message_id"]
    other = await api.post(f"/api/webhooks/{endpoint}/test", headers=headers("t-someone-else"))
    assert other.status_code == 404
    assert (await api.delete(f"/api/webhooks/{endpoint}", headers=headers(tenant))).status_code == 204


async def test_a_revoked_password_heals_itself_with_auto_renew(
    api: Any, live: Any, tenant: str, hooks: Receiver
) -> None:
    whsec = await subscribe(api, tenant, hooks)
    made = await stored_integration(api, live, tenant, auto_renew=True)
    site, old = live.wp["url"], secret(tenant)
    old_name = f"omniops-{made['operation_id']}"
    revoke_on_site(site, old["username"], old["password"], old_name)
    assert authenticates(site, old["username"], old["password"]) == 401

    assert (await api.post(f"{BASE}/check", headers=headers(tenant))).status_code == 202
    healed = await wait_integration(api, tenant, lambda v: v["status"] == "healthy" and v["last_rotated_at"])
    new = secret(tenant)
    assert new["password"] != old["password"]
    assert authenticates(site, new["username"], new["password"]) == 200
    assert old_name not in site_names(site, new["username"], new["password"])
    assert healed["pending_revoke"] is None and not healed["rotating"]
    trail = steps(tenant)
    assert ("check:failing", False) in trail and ("test_old", False) in trail, trail
    for step in ("begin", "regenerate", "test_new", "switch", "finish"):
        assert (step, True) in trail, trail
    wait_for(lambda: bool(hooks.of("integration.rotation_completed")))
    for kind in ("integration.health_check_failed", "integration.rotation_completed", "operation.completed"):
        assert hooks.of(kind), [d.event["type"] for d in hooks.deliveries]
        for d in hooks.of(kind):
            event = d.verified(whsec)
            assert old["password"] not in d.body.decode() and new["password"] not in d.body.decode()
            assert event["data"]["service"] == "wordpress"


async def test_without_auto_renew_the_customer_is_told_consent_is_needed(
    api: Any, live: Any, tenant: str, hooks: Receiver
) -> None:
    whsec = await subscribe(api, tenant, hooks)
    r = await api.put(
        f"{BASE.rsplit('/', 2)[0]}/settings",
        headers=headers(tenant),
        json={"notify_email": "ops@example.test"},
    )
    assert r.status_code == 200, r.text
    made = await stored_integration(api, live, tenant, auto_renew=False)
    site, old = live.wp["url"], secret(tenant)
    revoke_on_site(site, old["username"], old["password"], f"omniops-{made['operation_id']}")

    assert (await api.post(f"{BASE}/check", headers=headers(tenant))).status_code == 202
    view = await wait_integration(api, tenant, lambda v: v["status"] == "needs_consent")
    assert "auto_renew" in (view["detail"] or "")
    assert secret(tenant)["password"] == old["password"]  # nothing was regenerated
    wait_for(lambda: bool(hooks.of("integration.needs_consent")))
    assert hooks.of("integration.needs_consent")[0].verified(whsec)["data"]["credential_type"] == CTYPE

    def emailed() -> list[Any]:
        with owner_transaction() as s:
            return list(
                s.execute(
                    text("SELECT subject, status FROM email_outbox WHERE tenant_id = :t AND to_email = :to"),
                    {"t": tenant, "to": "ops@example.test"},
                )
            )

    wait_for(lambda: any("Consent needed" in row[0] and row[1] == "sent" for row in emailed()))
    await consent(api, tenant, GENERATE, ["auto_renew"])
    assert (await integration(api, tenant))["status"] == "unknown"  # until the next check decides


async def test_a_rotation_killed_between_switch_and_revoke_resumes_and_one_password_works(
    api: Any, live: Any, tenant: str
) -> None:
    made = await stored_integration(api, live, tenant, auto_renew=True)
    site, old = live.wp["url"], secret(tenant)
    old_name = f"omniops-{made['operation_id']}"
    stack = live.stack
    stack.stop("worker-agent")
    stack.worker("worker-agent", "agent", timeout=600, env={"OMNIOPS_FAILPOINTS": "integration.after_switch"})
    try:
        assert (await api.post(f"{BASE}/rotate", headers=headers(tenant))).status_code == 202
        wait_for(lambda: stack.running("worker-agent") is None, timeout=240)  # died right after the switch
        mid = await integration(api, tenant)
        assert mid["rotating"] and mid["pending_revoke"] == old_name
        new = secret(tenant)
        assert new["password"] != old["password"]
        assert authenticates(site, old["username"], old["password"]) == 200  # not revoked yet
    finally:
        stack.stop("worker-agent")
        stack.worker("worker-agent", "agent", timeout=600)
    done = await wait_integration(api, tenant, lambda v: not v["rotating"])
    assert done["status"] == "healthy" and done["pending_revoke"] is None, done
    assert authenticates(site, old["username"], old["password"]) == 401
    assert authenticates(site, new["username"], new["password"]) == 200
    names = site_names(site, new["username"], new["password"])
    assert old_name not in names
    ok = [s for s, success in steps(tenant) if success]
    assert "switch" in ok and "revoke_1" in ok and "finish" in ok, steps(tenant)
