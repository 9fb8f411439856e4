"""Two-factor login: the TOTP code is made from the Vault-held seed inside the activity; a
refused password fails the operation at once, without retries."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from temporalio.converter import WorkflowSerializationContext

from core.settings import get_settings
from core.temporal import connect
from tests.integration.helpers import allow_site, audit_rows, headers, wait_terminal
from tests.integration.history_secrets import assert_no_secret_in_history, totp_codes
from tests.peers.messages_api import MessagesPeer
from tests.peers.totp_site import TotpSite
from workflows import ids

pytestmark = pytest.mark.stack
PORT = 18910
URL = f"http://127.0.0.1:{PORT}"
DEFINITION = """schema_version: 1
service: totpsite
operation: login_check
version: 1
description: Log in to a two-factor site.
credential: admin
permissions: [log_in]
steps:
  - {intent: Open the login page, action: navigate, target: /login, expected: "#username"}
  - {intent: Enter the username, action: fill, target: "#username", value: "{{credential.username}}"}
  - {intent: Enter the password, action: fill, target: "#password", value: "{{credential.password}}"}
  - {intent: Sign in, action: click, target: "#submit", expected: "#code", error_selector: "#login_error"}
  - {intent: Enter the authenticator code, action: fill, target: "#code", value: "{{credential.totp}}"}
  - {intent: Verify the code, action: click, target: "#verify", expected: "#dashboard", error_selector: "#otp_error"}
"""


@pytest.fixture
def site() -> Iterator[tuple[TotpSite, str, str]]:
    password, seed = f"pw-{uuid.uuid4().hex}", pyotp.random_base32()
    s = TotpSite(PORT, "owner", password, seed)
    folder = get_settings().definitions_dir / "totpsite"
    folder.mkdir(exist_ok=True)
    (folder / "login_check.yaml").write_text(DEFINITION)
    yield s, password, seed
    s.stop()


async def login(api: Any, tenant: str, password: str, seed: str) -> dict[str, Any]:
    await allow_site(api, tenant, URL)
    r = await api.post(
        "/api/autonomous/credentials",
        headers=headers(tenant),
        json={
            "service": "totpsite",
            "credential_type": "admin",
            "username": "owner",
            "password": password,
            "site_url": URL,
            "totp_secret": seed,
        },
    )
    assert r.status_code == 201 and r.json()["has_totp"] is True and seed not in r.text
    r = await api.post(
        "/api/autonomous/initiate",
        headers=headers(tenant),
        json={
            "service": "totpsite",
            "operation": "login_check",
            "consent": True,
            "inputs": {"site_url": URL},
        },
    )
    assert r.status_code == 202, r.text
    return await wait_terminal(api, tenant, r.json()["operation_id"])


async def test_totp_code_from_vault_passes_the_second_factor(
    api: Any, live: Any, tenant: str, peer: MessagesPeer, site: tuple[TotpSite, str, str]
) -> None:
    s, password, seed = site
    started = time.time()
    final = await login(api, tenant, password, seed)
    assert final["status"] == "completed", final
    assert len(s.sessions) == 1 and len(s.codes_seen) == 1
    secrets = {"password": password, "TOTP seed": seed, "TOTP code used": s.codes_seen[0]}
    await assert_no_secret_in_history(final["workflow_id"], secrets | totp_codes(seed, started, time.time()))
    assert peer.requests == []


async def test_wrong_password_fails_fast_and_is_not_retried(
    api: Any, live: Any, tenant: str, site: tuple[TotpSite, str, str]
) -> None:
    s, _, seed = site
    final = await login(api, tenant, "not-the-password", seed)
    assert final["status"] == "failed"
    assert "the site refused the credentials: Invalid username or password." in final["reason"]
    assert s.login_posts == 1  # the refused password was submitted once: no retry
    step4 = [r for r in audit_rows(tenant, final["operation_id"]) if r.step_number == 4]
    assert len(step4) == 1 and not step4[0].success and step4[0].mode == "deterministic"
    assert await run_step_attempts(final["workflow_id"], 4) == [1]


async def run_step_attempts(workflow_id: str, step_number: int) -> list[int]:
    """The attempt number the server recorded on each start of ``step_number``'s run_step activity
    (a retried activity's started event carries its last attempt)."""
    client = await connect(scoping=ids)
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    converter = client.data_converter.with_context(
        WorkflowSerializationContext(client.namespace, workflow_id)
    )
    scheduled = set()
    for e in history.events:
        if e.HasField("activity_task_scheduled_event_attributes"):
            a = e.activity_task_scheduled_event_attributes
            if a.activity_type.name == "run_step":
                [inp] = await converter.decode(a.input.payloads)
                if inp["step_number"] == step_number:
                    scheduled.add(e.event_id)
    return [
        e.activity_task_started_event_attributes.attempt
        for e in history.events
        if e.HasField("activity_task_started_event_attributes")
        and e.activity_task_started_event_attributes.scheduled_event_id in scheduled
    ]
