"""Per-tenant keys on the real stack (issue 11 items 4 and 6): race-safe creation in Vault, the
policies (services create and read but never replace; the browser worker reads payload keyrings
only), the rotation CLI, and a rotation while the workers run: an operation started before it
completes after it, its history sealed under both keys, with no restart."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import hvac
import pytest
from hvac.exceptions import Forbidden
from pydantic import SecretStr
from temporalio.api.common.v1 import Payloads, WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import SignalWorkflowExecutionRequest
from temporalio.converter import WorkflowSerializationContext

from core.codec import BINDING, KEY_ID, TENANT
from core.keys import (
    KEYRING_PATH,
    KeyringMissing,
    ensure_tenant_keyring,
    fingerprint_key,
    fingerprint_key_path,
    keyring_path,
    read_keyring,
    rotate_tenant_keyring,
)
from core.settings import get_settings
from core.temporal import connect
from core.vault import VaultStore, credential_path, fingerprint
from tests.integration.helpers import (
    OPERATION,
    SERVICE,
    headers,
    initiate,
    store_admin_credential,
    wait_terminal,
    wait_until,
    wp_admin,
)
from tests.integration.history_secrets import assert_no_secret_in_history, walk_history
from tests.stack_fixtures import ROOT
from workflows import ids

pytestmark = pytest.mark.stack
POLICIES = Path(__file__).resolve().parents[2] / "deploy" / "vault"


def store_with(policy: str) -> VaultStore:
    """A VaultStore over a fresh token holding only ``policy`` (loaded from deploy/vault)."""
    settings = get_settings()
    assert settings.vault.token is not None
    root = hvac.Client(url=settings.vault.addr, token=settings.vault.token.get_secret_value())
    root.sys.create_or_update_policy(name=policy, policy=(POLICIES / f"{policy}.hcl").read_text())
    token = root.auth.token.create(policies=[policy], no_default_policy=True, ttl="10m")["auth"][
        "client_token"
    ]
    vault = settings.vault.model_copy(update={"token": SecretStr(token)})
    return VaultStore(settings.model_copy(update={"vault": vault}))


def test_concurrent_first_use_creates_one_key(infra: Any, tenant: str) -> None:
    """Eight processes' worth of first encodes at once (services' token): one keyring, one
    fingerprint key, every caller holding the winner's."""
    svc = store_with("omniops")
    with ThreadPoolExecutor(8) as pool:
        rings = list(pool.map(lambda _: ensure_tenant_keyring(svc, tenant), range(8)))
        keys = list(pool.map(lambda _: fingerprint_key(svc, tenant), range(8)))
    assert len({r.active_key_id for r in rings}) == 1 and len({r.keys[r.active_key_id] for r in rings}) == 1
    assert len(set(keys)) == 1 and len(keys[0]) == 32
    stored = read_keyring(svc, keyring_path(tenant))
    assert stored is not None and stored.active_key_id == rings[0].active_key_id


def test_concurrent_rotations_keep_every_key(infra: Any, tenant: str) -> None:
    """Operators rotating at once: check-and-set on the version read, so no rotation drops
    another's key (a dropped key would orphan every payload sealed with it)."""
    settings = get_settings()
    first = ensure_tenant_keyring(VaultStore(settings), tenant).active_key_id
    with ThreadPoolExecutor(4) as pool:
        kids = list(pool.map(lambda _: rotate_tenant_keyring(settings, tenant), range(4)))
    ring = read_keyring(VaultStore(settings), keyring_path(tenant))
    assert ring is not None and set(ring.keys) == {first, *kids} and ring.active_key_id in kids


def test_services_create_and_read_keys_but_never_replace_them(infra: Any, tenant: str) -> None:
    svc = store_with("omniops")
    ring = ensure_tenant_keyring(svc, tenant)
    ensure_tenant_keyring(svc, None)
    fingerprint_key(svc, tenant)
    for path in (keyring_path(tenant), keyring_path(None), fingerprint_key_path(tenant)):
        assert svc.read(path) is not None
        with pytest.raises(Forbidden):  # a replaced key would orphan every payload sealed with it
            svc.write(path, {"active": "evil", "keys": {"evil": "AAAA"}})
    with pytest.raises(Forbidden):
        svc.write(KEYRING_PATH, {"active": "evil", "keys": {}})
    assert read_keyring(svc, keyring_path(tenant)) == ring


def test_the_browser_worker_reads_payload_keyrings_only(infra: Any, tenant: str) -> None:
    svc, browser = store_with("omniops"), store_with("omniops-browser")
    ring = ensure_tenant_keyring(svc, tenant)
    ensure_tenant_keyring(svc, None)
    fingerprint_key(svc, tenant)
    assert read_keyring(browser, keyring_path(tenant)) == ring
    assert browser.read(keyring_path(None)) is not None and browser.read(KEYRING_PATH) is not None
    with pytest.raises(Forbidden):  # credential fingerprints are the agent's business
        browser.read(fingerprint_key_path(tenant))
    with pytest.raises(Forbidden):
        fingerprint_key(browser, tenant)
    with pytest.raises(KeyringMissing):  # it creates no keyring: the API and the agent do, first
        ensure_tenant_keyring(browser, f"{tenant}-new")
    with pytest.raises(Forbidden):
        browser.write(keyring_path(tenant), {"active": "evil", "keys": {}})


def rotate(tenant: str) -> str:
    """``python -m core.keys rotate --tenant X`` with the stack's (operator's) token; the new kid."""
    out = subprocess.run(
        [sys.executable, "-m", "core.keys", "rotate", "--tenant", tenant],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert out.startswith(f"keys/tenants/{tenant}/payload: new active key ")
    return out.split()[-1]


async def test_rotation_while_the_workers_run(api: Any, live: Any, tenant: str) -> None:
    """The operation waits for consent, sealed under the first key; the key rotates (CLI); after
    ``crypto.key_cache_s`` (2 s in the test stack) every process seals with the new key while
    the old one still opens what came before: the operation completes, no worker restarted."""
    settings = get_settings()
    assert settings.crypto.key_cache_s <= 2
    pids = {name: live.stack.running(name) for name in ("worker-agent", "worker-operations")}
    await store_admin_credential(api, tenant, live.wp)
    op = await initiate(api, tenant, live.wp, consent=False, roles=("system",))
    await wait_until(api, tenant, op["operation_id"], lambda s: s["status"] == "awaiting_consent")
    ring = read_keyring(VaultStore(settings), keyring_path(tenant))
    assert ring is not None
    old = ring.active_key_id
    new = rotate(tenant)
    assert new != old
    await asyncio.sleep(settings.crypto.key_cache_s + 0.5)  # the cache TTL, not a wait for work
    r = await api.post(
        "/api/autonomous/consent",
        headers=headers(tenant),
        json={"action": "grant", "service": SERVICE, "operation": OPERATION},
    )
    assert r.status_code == 200, r.text
    final = await wait_terminal(api, tenant, op["operation_id"])
    assert final["status"] == "completed", final
    assert {name: live.stack.running(name) for name in pids} == pids  # the same worker processes

    vault = VaultStore(settings)
    stored = vault.read(credential_path(tenant, SERVICE, "application_password"))
    assert stored is not None
    secrets = {"admin password": wp_admin(live.wp)["password"], "application password": stored["password"]}
    history = await assert_no_secret_in_history(op["workflow_id"], secrets)  # decodes every payload
    sealed = [p.metadata for _, p, must in walk_history(history).payloads if must]
    assert {m[TENANT].decode() for m in sealed} == {tenant}
    kids = [m[KEY_ID].decode() for m in sealed]
    assert set(kids) == {old, new}
    assert kids[0] == old and kids[-1] == new  # the input before the rotation, the result after it
    assert history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED

    # keyed fingerprint end to end: computed by the agent after the unwrap, not by the browser
    assert final["result"]["credential_fingerprint"] == fingerprint(
        fingerprint_key(vault, tenant), stored["password"]
    )


async def task_failures(workflow_id: str, after: int) -> list[BaseException]:
    """The decoded failures of ``workflow_id``'s ``WorkflowTaskFailed`` events after event ``after``
    (decoded with the workflow's own context, as the worker encoded them)."""
    client = await connect(scoping=ids)
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    dc = client.data_converter.with_context(
        WorkflowSerializationContext(namespace=client.namespace, workflow_id=workflow_id)
    )
    return [
        await dc.decode_failure(e.workflow_task_failed_event_attributes.failure)
        for e in history.events
        if e.event_id > after and e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
    ]


async def test_a_ciphertext_moved_to_another_workflow_or_tenant_fails_to_decrypt_in_the_worker(
    api: Any, live: Any, tenant: str
) -> None:
    """Someone with raw access to Temporal (no key) copies tenant A's sealed workflow input, as is,
    into a signal to A's other operation and to tenant B's: the worker decodes with the target's
    own context, so the associated data (or B's keyring) does not match and the workflow task
    fails; neither workflow ever sees the payload."""
    other = f"{tenant}-b"
    ops: dict[str, list[str]] = {}
    for t, n in ((tenant, 2), (other, 1)):
        await store_admin_credential(api, t, live.wp)
        for _ in range(n):
            op = await initiate(api, t, live.wp, consent=False, roles=("system",))
            await wait_until(api, t, op["operation_id"], lambda s: s["status"] == "awaiting_consent")
            ops.setdefault(t, []).append(op["workflow_id"])
    raw = await connect(encrypted=False)
    source = await raw.get_workflow_handle(ops[tenant][0]).fetch_history()
    sealed = source.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    assert sealed.metadata[TENANT] == tenant.encode() and sealed.metadata[BINDING] == ops[tenant][0].encode()
    expected = {ops[tenant][1]: "InvalidTag", ops[other][0]: "UnknownKeyError"}
    for target in expected:
        events = (await raw.get_workflow_handle(target).fetch_history()).events
        before, scheduled = events[-1].event_id, scheduled_activities(events)
        await raw.workflow_service.signal_workflow_execution(
            SignalWorkflowExecutionRequest(
                namespace=raw.namespace,
                workflow_execution=WorkflowExecution(workflow_id=target),
                signal_name="grant_consent",
                input=Payloads(payloads=[sealed]),
                identity="moved-ciphertext-test",
            )
        )
        for _ in range(300):
            if failures := await task_failures(target, before):
                break
            await asyncio.sleep(0.1)
        assert {getattr(f, "type", None) for f in failures} == {expected[target]}, failures  # each retry
        await asyncio.sleep(1)  # time for a wrongly accepted grant to start the session
        handle = raw.get_workflow_handle(target)
        assert scheduled_activities((await handle.fetch_history()).events) == scheduled  # nothing ran
    for wid in [*ops[tenant], *ops[other]]:
        await raw.get_workflow_handle(wid).terminate("test over")


def scheduled_activities(events: Any) -> int:
    return sum(e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED for e in events)
