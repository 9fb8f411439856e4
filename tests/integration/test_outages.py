"""Dependency outages are waited out, not turned into failures (issue 17, Build 7).

Each dependency is frozen (SIGSTOP; the LLM peer held) for ``FREEZE_S`` (60 s) in the middle of
an operation or a cycle. Each completes afterwards with no duplicate (one audit success per step,
one application password in WordPress, one email) and no tenant-visible text naming an internal
host or port. The health route reports the frozen dependency as down within its probe timeout.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from core import queues
from core.temporal import connect
from devstack.stack import Stack
from schema.agent import AgentRun, OutboxEmail
from schema.db import owner_transaction
from schema.repositories.credentials import list_credentials
from tests.integration.cycle_helpers import contact, cycle_input, enable, mail_to, one, rows
from tests.integration.helpers import (
    audit_rows,
    initiate,
    operator,
    status,
    store_admin_credential,
    wait_terminal,
    wait_until,
    wp_admin,
)
from tests.integration.outage_helpers import FREEZE_S, HeldPeer, frozen, leaks
from workflows import ids
from workflows.cycle.workflow import TenantCycleWorkflow
from workflows.ids import cycle_workflow_id

pytestmark = pytest.mark.stack


async def _health(api: Any) -> dict[str, str]:
    r = await api.get("/api/health", headers=operator())
    assert r.status_code == 200, r.text
    return r.json()["dependencies"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("dependency", ["vault", "postgres"])
async def test_an_operation_waits_out_a_frozen_dependency(
    api: Any, live: Any, tenant: str, dependency: str
) -> None:
    await store_admin_credential(api, tenant, live.wp)
    op = await initiate(api, tenant, live.wp)
    op_id = op["operation_id"]
    await wait_until(api, tenant, op_id, lambda s: s["current_step"] >= 3, timeout=180)
    with frozen(live.stack, dependency):
        began = time.monotonic()
        if dependency == "vault":  # the health route answers within its probe timeout
            assert (await _health(api))["vault"] == "down" and time.monotonic() - began < 10
        await asyncio.sleep(FREEZE_S - (time.monotonic() - began))
    final = await wait_terminal(api, tenant, op_id, timeout=600)

    assert final["status"] == "completed" and final["reason"] is None, final
    steps = [r.step_number for r in audit_rows(tenant, op_id) if r.success]
    assert sorted(steps) == list(range(1, final["total_steps"] + 1)), steps  # one success per step
    texts = [t for r in audit_rows(tenant, op_id) for t in (r.error, r.reason, r.action)]
    assert not leaks(final["reason"], *texts, str(final["result"]))
    with owner_transaction() as s:
        assert (
            len([c for c in list_credentials(s, tenant) if c.credential_type == "application_password"]) == 1
        )
    names = httpx.get(  # the generate step ran once: one application password in WordPress
        f"{live.wp['url']}/?rest_route=/wp/v2/users/me/application-passwords",
        auth=(wp_admin(live.wp)["username"], _app_password(tenant)),
        timeout=10,
    ).json()
    assert [n["name"] for n in names].count(f"omniops-{op_id}") == 1
    assert (await status(api, tenant, op_id))["stale"] is False


def _app_password(tenant: str) -> str:
    from core.settings import get_settings
    from core.vault import VaultStore, credential_path

    found = VaultStore(get_settings()).read(credential_path(tenant, "wordpress", "application_password"))
    assert found is not None
    return str(found["password"])


@pytest.fixture
async def client(agent_stack: Stack) -> Client:
    return await connect(scoping=ids)


@pytest.mark.parametrize("dependency", ["postgres", "vault", "smtp", "llm"])
async def test_a_cycle_waits_out_a_frozen_dependency(
    client: Client, agent_stack: Stack, peer: Any, tenant: str, dependency: str
) -> None:
    enable(tenant)
    c = contact(tenant, f"overdue-{uuid.uuid4().hex[:8]}@example.test")
    held = HeldPeer(peer)  # the Plan phase's AI call marks the middle of the cycle
    inp = cycle_input(tenant)
    handle = await client.start_workflow(
        TenantCycleWorkflow.run, inp, id=cycle_workflow_id(tenant, inp.hour), task_queue=queues.AGENT
    )
    assert await asyncio.to_thread(held.arrived.wait, 180), "the cycle never reached its Plan phase"
    if dependency == "llm":
        await asyncio.sleep(FREEZE_S)
        held.release()
    else:
        with frozen(agent_stack, dependency):
            held.release()
            await asyncio.sleep(FREEZE_S)
    result = await asyncio.wait_for(handle.result(), 600)

    assert result.status == "completed" and result.executed >= 1, result
    assert len(mail_to(agent_stack, c.email or "")) == 1  # sent exactly once
    [sent] = rows(OutboxEmail, to_email=c.email)
    assert sent.status == "sent"
    run = one(AgentRun, id=result.run_id)
    assert run.status == "completed" and not leaks(result.reason, run.error), (result.reason, run.error)
