"""What one start waits for (issue 17, "Start-operation"): ``OperationService.initiate`` called in
this process against a stack ``bench.api_reads`` has set up (its tenants, credentials and
allowlist), each awaited step timed.

    OMNIOPS_TEST_DATA=... OMNIOPS_TEST_PORT_OFFSET=... uv run python -m bench.api_start_steps \
        [--starts 50] [--concurrency 1 10]

Steps, in the order initiate awaits them: ``consent`` (the active consent, one transaction),
``registered`` (the tenant's credential for the site's origin, one transaction), ``vet`` (the
allowlist and a DNS resolution of the target, in a thread), ``reserve`` (the row insert under the
tenant's cap: advisory lock, count, insert), ``temporal`` (``start_workflow`` with the encrypted
input). Prints the mean and p99 (ms) of each step and of the whole call per concurrency; the
started operations are terminated at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from bench.api_latency import terminate
from devstack.demo import OPERATION, SERVICE
from devstack.stack import Stack

STEPS = ("consent", "registered", "vet", "reserve", "temporal")


def timed(took: dict[str, list[float]], name: str, fn: Callable[..., Awaitable[Any]]) -> Any:
    async def run(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            took[name].append((time.perf_counter() - t) * 1000)

    return run


def _p(ms: list[float], q: float) -> float:
    s = sorted(ms)
    return s[min(len(s) - 1, int(q * len(s)))] if s else 0.0


async def run(a: argparse.Namespace) -> None:
    from tests.stack_fixtures import TEST_CONFIG

    stack = Stack(TEST_CONFIG)
    os.environ.update(stack.env(), OMNIOPS_OPERATIONS__MAX_CONCURRENT_PER_TENANT="1000000")
    from api.auth import Principal
    from api.plugin import build_services
    from api.schemas.operations import InitiateRequest
    from core.settings import get_settings
    from core.temporal import connect
    from workflows import ids
    from workflows.ids import operation_workflow_id

    get_settings.cache_clear()
    settings = get_settings()
    client = await connect(settings, scoping=ids)
    ops: Any = build_services(client, settings)["ops"]
    took: dict[str, list[float]] = defaultdict(list)
    ops.consent.find_active = timed(took, "consent", ops.consent.find_active)
    ops.gate.require_registered = timed(took, "registered", ops.gate.require_registered)
    ops.gate.vet = timed(took, "vet", ops.gate.vet)
    ops.limits.reserve = timed(took, "reserve", ops.limits.reserve)
    ops._start = timed(took, "temporal", ops._start)
    site = a.site or stack.wordpress()["url"]
    body = InitiateRequest(service=SERVICE, operation=OPERATION, inputs={"site_url": site})
    started: list[str] = []
    tenants = [f"bench-api-{i}" for i in range(a.tenants)]

    async def one(i: int, sem: asyncio.Semaphore) -> None:
        async with sem:
            t = tenants[i % len(tenants)]
            p = Principal("bench-system", t, frozenset({settings.auth.system_role}))
            t0 = time.perf_counter()
            got = await ops.initiate(p, body, None, None)
            took["initiate"].append((time.perf_counter() - t0) * 1000)
            started.append(operation_workflow_id(t, got.operation_id))

    for conc in a.concurrency:
        took.clear()
        sem = asyncio.Semaphore(conc)
        await asyncio.gather(*(one(i, sem) for i in range(a.starts)))
        print(f"concurrency {conc}, {a.starts} starts:")
        for name in (*STEPS, "initiate"):
            ms = took[name]
            print(f"  {name:10s} mean {sum(ms) / max(1, len(ms)):7.1f} ms  p99 {_p(ms, 0.99):7.1f} ms")
    await terminate(client, started)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--starts", type=int, default=50)
    ap.add_argument("--tenants", type=int, default=10)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 10])
    ap.add_argument("--site", default="", help="the target site URL (default: the stack's WordPress)")
    asyncio.run(run(ap.parse_args()))
