"""Benchmark: API reads and starts under 50 concurrent clients against a hello-world Litestar
route in the same run (issue 17, goals "API reads" and "Start-operation").

    uv run python -m bench.api_reads [--clients 50] [--seconds 10] [--rounds 2] [--tenants 10]
                                     [--finished 200] [--test-stack]

Starts (or reuses) the local dev stack (``--test-stack``: the test stack of
``OMNIOPS_TEST_DATA``/``OMNIOPS_TEST_PORT_OFFSET``), then two uvicorn processes on this host: the
API as in production (application role, row-level security, rate limiter counting in Redis with
limits out of reach; bench.api_latency's set-up) and :mod:`bench.hello_app`. Set-up: ``--finished``
operations are started as each tenant's ``system`` principal and cancelled, so each has a stored
final record. Then, per round and in alternating order, the clients call one route as fast as
they can for ``--seconds``: ``GET /hello``; ``GET /api/autonomous/status/{id}`` of a finished
operation of their tenant; ``GET /api/autonomous/history?limit=50``. Last, each client starts
operations (``POST /api/autonomous/initiate``) for ``--seconds``. Prints per route the throughput
(req/s), p50 and p99, and the goals: status >= 0.3x hello's throughput, p99 <= 100 ms; history
p99 <= 250 ms; start-operation p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

import httpx

from bench.api_latency import HIGH, Tokens, p, set_up_tenants, terminate
from devstack.config import ROOT, StackConfig, wait_port
from devstack.demo import OPERATION, SERVICE
from devstack.stack import Stack
from workflows.ids import operation_workflow_id

OFFSET = int(os.environ.get("OMNIOPS_TEST_PORT_OFFSET", "0"))
API_PORT, HELLO_PORT = 8111 + OFFSET, 8112 + OFFSET
Sample = tuple[int, list[float]]


def serve(stack: Stack, app: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **stack.env(), "OMNIOPS_LOG_LEVEL": "WARNING"}
    env.update(OMNIOPS_OPERATIONS__MAX_CONCURRENT_PER_TENANT="1000000", OMNIOPS_LIMITS__ENABLED="true")
    env.update(OMNIOPS_LIMITS__PER_IP=HIGH, OMNIOPS_LIMITS__PER_TENANT=HIGH)
    argv = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--timeout-keep-alive", "600"]  # idle pooled connections between routes stay open
    log_path = stack.c.log_dir / f"bench-reads-{port}.log"
    log = open(log_path, "ab")  # noqa: SIM115 - the child owns it
    proc = subprocess.Popen([*argv, "--log-level", "warning"], cwd=ROOT, env=env, stdout=log, stderr=log)
    wait_port(port, f"bench {app}", timeout=300, log=log_path)
    return proc


async def hammer(http: httpx.AsyncClient, call: Any, seconds: float) -> Sample:
    """Call ``call(http)`` back to back for ``seconds``: (requests, latencies in s)."""
    took: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        r = await call(http)
        took.append(time.perf_counter() - t)
        if r.status_code >= 400:
            raise RuntimeError(f"{r.request.url.path} gave {r.status_code}: {r.text[:300]}")
    return len(took), took


async def finished_ops(http: httpx.AsyncClient, tokens: Tokens, tenant: str, site: str, n: int) -> list[str]:
    """``n`` operations of ``tenant`` started by its system principal, then cancelled."""
    body = {"service": SERVICE, "operation": OPERATION, "inputs": {"site_url": site}}
    ops = []
    for _ in range(n):
        r = await http.post("/api/autonomous/initiate", headers=tokens.tenant(tenant, "system"), json=body)
        assert r.status_code == 202, r.text
        ops.append(r.json()["operation_id"])
    for op in ops:
        for _ in range(600):
            r = await http.post(f"/api/autonomous/{op}/cancel", headers=tokens.tenant(tenant, "admin"))
            if r.status_code in (200, 409):
                break
            await asyncio.sleep(0.1)
    admin = tokens.tenant(tenant, "admin")
    for op in ops:  # the workflow wrote its final record
        for _ in range(600):
            if (await http.get(f"/api/autonomous/status/{op}", headers=admin)).json()[
                "status"
            ] == "cancelled":
                break
            await asyncio.sleep(0.1)
    return ops


async def run(a: argparse.Namespace) -> None:
    cfg = StackConfig()
    if a.test_stack:
        from tests.stack_fixtures import TEST_CONFIG

        cfg = TEST_CONFIG
    stack = Stack(cfg)
    stack.infra_up()
    wp = stack.wordpress()
    stack.worker("worker-agent", "agent", timeout=900)  # runs the operations to their waits
    os.environ.update(stack.env())
    from core.settings import get_settings
    from core.temporal import connect
    from workflows import ids

    get_settings.cache_clear()
    tokens = Tokens(stack)
    procs = [
        serve(stack, "api.app:create_app", API_PORT),
        serve(stack, "bench.hello_app:create_app", HELLO_PORT),
    ]
    stack.c = dataclasses.replace(stack.c, api_port=API_PORT)  # set_up_tenants calls this API
    tenants = set_up_tenants(stack, tokens, wp, a.tenants)
    client = await connect(scoping=ids)
    limits = httpx.Limits(max_connections=a.clients, max_keepalive_connections=a.clients)
    api = httpx.AsyncClient(base_url=f"http://127.0.0.1:{API_PORT}", timeout=60, limits=limits)
    hello = httpx.AsyncClient(base_url=f"http://127.0.0.1:{HELLO_PORT}", timeout=60, limits=limits)
    started: list[str] = []
    try:
        per = max(1, a.finished // len(tenants))
        done = await asyncio.gather(*(finished_ops(api, tokens, t, wp["url"], per) for t in tenants))
        ops = dict(zip(tenants, done, strict=True))
        admin = {t: tokens.tenant(t, "admin") for t in tenants}
        system = {t: tokens.tenant(t, "system") for t in tenants}
        mine = [tenants[i % len(tenants)] for i in range(a.clients)]
        body = {"service": SERVICE, "operation": OPERATION, "inputs": {"site_url": wp["url"]}}
        calls = {
            "hello": lambda i: lambda h: hello.get("/hello"),
            "status": lambda i: (
                lambda h: api.get(
                    f"/api/autonomous/status/{random.choice(ops[mine[i]])}", headers=admin[mine[i]]
                )
            ),
            "history": lambda i: (
                lambda h: api.get("/api/autonomous/history?limit=50", headers=admin[mine[i]])
            ),
            "start": lambda i: lambda h: start(i),
        }

        async def start(i: int) -> httpx.Response:
            r = await api.post("/api/autonomous/initiate", headers=system[mine[i]], json=body)
            if r.status_code == 202:
                started.append(operation_workflow_id(mine[i], r.json()["operation_id"]))
            return r

        results: dict[str, list[Sample]] = defaultdict(list)
        order = ["hello", "status", "history"]
        for rnd in range(a.rounds + 1):  # round 0 warms up, not counted
            for route in order if rnd % 2 else order[::-1]:
                got = await asyncio.gather(
                    *(hammer(api, calls[route](i), a.seconds) for i in range(a.clients))
                )
                if rnd:
                    results[route] += got
        got = await asyncio.gather(*(hammer(api, calls["start"](i), a.seconds) for i in range(a.clients)))
        results["start"] += got
    finally:
        await api.aclose()
        await hello.aclose()
        for proc in procs:
            proc.terminate()
        await terminate(client, started)  # the started operations wait for consent: end them
    report(results, a)


def report(results: dict[str, list[Sample]], a: argparse.Namespace) -> None:
    print(
        f"\n{a.clients} clients, {a.rounds} rounds x {a.seconds:.0f} s per read route, "
        f"{a.seconds:.0f} s of starts"
    )
    rate = {}
    for route, samples in results.items():
        n = sum(k for k, _ in samples)
        lat = [x for _, xs in samples for x in xs]
        secs = a.seconds * (a.rounds if route != "start" else 1)
        rate[route] = n / secs
        print(
            f"{route:8s} {rate[route]:8.1f} req/s  p50 {p(lat, 50):7.1f} ms  "
            f"p99 {p(lat, 99):7.1f} ms  (n={n})"
        )
    print(f"status/hello throughput {rate['status'] / rate['hello']:.2f}x (goal >= 0.3x)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--tenants", type=int, default=10)
    ap.add_argument("--finished", type=int, default=200)
    ap.add_argument("--test-stack", action="store_true")
    asyncio.run(run(ap.parse_args()))
