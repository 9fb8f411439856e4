"""Benchmark: one integration's health check (issue 15 Build 4) vs the bare request it makes.

    uv run python -m bench.health_check [--runs 10] [--test-stack]

Starts (or reuses) the local dev stack (``--test-stack``: the test stack of
``OMNIOPS_TEST_DATA``/``OMNIOPS_TEST_PORT_OFFSET``), runs the demo operation once (which stores
the WordPress application password and registers the integration), then, alternately:

- **orchestrated**: the ``HealthCheck`` workflow to its result (definition load, target vetting,
  the pinned connection test reading Vault, the status row and audit write);
- **bare**: the same ``users/me`` request with httpx and the credential in hand.

Prints median seconds, the activities per check (from the workflow history), the ratio, and what
one browser worker can keep healthy per day: a passing check uses no browser; a rotation runs
the browser twice (regenerate, revoke), a self-healing one once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import httpx
from temporalio.api.enums.v1 import EventType

from bench.operation import orchestrated_run
from devstack.config import StackConfig
from devstack.demo import DEMO_TENANT, DemoClient
from devstack.stack import Stack

CTYPE = "application_password"


def stack_of(test_stack: bool) -> Stack:
    if test_stack:
        from tests.stack_fixtures import TEST_CONFIG

        return Stack(TEST_CONFIG)
    return Stack(StackConfig())


async def main(runs: int, test_stack: bool) -> None:
    stack = stack_of(test_stack)
    os.environ.update({**stack.env(), **stack.owner_env()})
    stack.infra_up()
    wp = stack.wordpress()
    stack.mail()
    for name, queue in (
        ("worker-agent", "agent"),
        ("worker-messaging", "messaging"),
        ("worker-operations", "operations"),
    ):
        stack.worker(name, queue, timeout=900)
    stack.api()
    from core import queues
    from core.settings import get_settings
    from core.temporal import connect
    from core.vault import VaultStore, credential_path
    from workflows import ids
    from workflows.integrations.health import HealthCheckWorkflow
    from workflows.integrations.messages import HealthCheckInput, IntegrationRef, integration_id

    client = await connect(scoping=ids)
    api = DemoClient(stack)
    api.store_wordpress_admin(wp)
    op_s, _ = await orchestrated_run(api, client, wp["url"])
    iid = integration_id(DEMO_TENANT, "wordpress", CTYPE)
    ref = IntegrationRef(
        tenant_id=DEMO_TENANT,
        integration_id=iid,
        service="wordpress",
        credential_type=CTYPE,
        site_url=wp["url"],
        generate_operation="application_password_generation",
        revoke_operation="application_password_revocation",
    )
    secret = VaultStore(get_settings()).read(credential_path(DEMO_TENANT, "wordpress", CTYPE)) or {}
    orch, bare, activities = [], [], []
    for i in range(runs + 1):
        t = time.perf_counter()
        handle = await client.start_workflow(
            HealthCheckWorkflow.run,
            HealthCheckInput(ref=ref),
            id=ids.health_workflow_id(DEMO_TENANT, iid),
            task_queue=queues.AGENT,
        )
        result = await handle.result()
        to = time.perf_counter() - t
        assert result.passed, result
        n = sum(
            1
            for e in (await handle.fetch_history()).events
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        )
        t = time.perf_counter()
        r = httpx.get(  # noqa: ASYNC210 - the bare baseline, nothing else runs
            wp["url"] + "/?rest_route=/wp/v2/users/me",
            auth=(secret["username"], secret["password"]),
            timeout=15,
        )
        tb = time.perf_counter() - t
        assert r.status_code == 200
        if i:
            orch.append(to)
            bare.append(tb)
            activities.append(n)
        warm = " (warm-up)" if not i else ""
        print(f"round {i}{warm}: health check {to:.3f}s ({n} activities)  bare {tb:.3f}s", flush=True)
    mo, mb = statistics.median(orch), statistics.median(bare)
    print(f"\nhealth check median:  {mo:.3f}s, {statistics.median(activities):.0f} activities, no browser")
    print(f"bare request median:  {mb:.3f}s   ratio {mo / mb:.1f}x")
    print(f"one operation (browser) this run: {op_s:.1f}s")
    print(f"checks per day, one agent activity slot in sequence: {86_400 / mo:,.0f}")
    rotated = 86_400 * 90 / (2 * op_s)
    print(f"integrations one browser worker keeps rotated every 90 days (2 operations each): {rotated:,.0f}")
    print(f"integrations one browser worker can self-heal per day (1 operation each): {86_400 / op_s:,.0f}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--test-stack", action="store_true")
    a = p.parse_args()
    asyncio.run(main(a.runs, a.test_stack))
