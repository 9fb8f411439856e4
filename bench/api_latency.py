"""Benchmark: API p99 latency of start-operation and status under 50 concurrent clients, with
row-level security and the rate limiter on versus off, in one run (issue 11, Measure).

    uv run python -m bench.api_latency [--clients 50] [--requests 10] [--rounds 3] [--tenants 10]

Starts (or reuses) the local dev stack, then two API processes (uvicorn, the same code) on two
ports of this host:

- **on**: the application role (row-level security applies to every query) and the rate
  limiter counting in Redis. Its limits are set far above this load: the bench measures the
  cost of counting, not of refusing;
- **off**: the owner role (row-level security does not apply to a table's owner) and
  ``OMNIOPS_LIMITS__ENABLED=false``.

Set-up per tenant (``bench-api-{i}``): the operator allowlists the local WordPress, an admin
stores its credential. Then each client, ``--requests`` times: ``POST /api/autonomous/initiate``
as the tenant's ``system`` principal (the operation waits in ``awaiting_consent``) and
once the agent worker has run them all to ``awaiting_consent``, ``GET
/api/autonomous/status/{id}`` of each as its admin (a live Temporal query). Rounds alternate on
and off (``--rounds`` each). Prints p50 and p99 per route and variant and the on/off ratios
(the goal is <= 1.2x), terminating each round's workflows before the next.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

import httpx

from api.auth import mint_platform_token, mint_token
from core.settings import Settings
from core.targets import parse_origin
from devstack.config import ROOT, StackConfig, wait_port
from devstack.demo import OPERATION, SERVICE, admin_credential_body
from devstack.stack import Stack
from workflows.ids import operation_workflow_id

PORTS = {"on": 8101, "off": 8102}
HIGH = "100000000/minute"


def start_api(stack: Stack, variant: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **stack.env(), "OMNIOPS_OPERATIONS__MAX_CONCURRENT_PER_TENANT": "1000000"}
    env["OMNIOPS_LOG_LEVEL"] = "WARNING"
    if variant == "on":
        env.update(
            OMNIOPS_LIMITS__ENABLED="true", OMNIOPS_LIMITS__PER_IP=HIGH, OMNIOPS_LIMITS__PER_TENANT=HIGH
        )
    else:
        env.update(
            OMNIOPS_LIMITS__ENABLED="false",
            OMNIOPS_DATABASE__URL=stack.owner_env()["OMNIOPS_DATABASE__MIGRATION_URL"],
        )
    argv = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1"]
    argv += ["--port", str(PORTS[variant]), "--log-level", "warning"]
    log = open(stack.c.log_dir / f"bench-api-{variant}.log", "ab")  # noqa: SIM115 - the child owns it
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log)
    wait_port(PORTS[variant], f"bench api ({variant})", log=stack.c.log_dir / f"bench-api-{variant}.log")
    return proc


class Tokens:
    """Bearer headers minted with the local stack's identity keys (api/jwt_keys.py)."""

    def __init__(self, stack: Stack) -> None:
        self.s = Settings.model_validate(
            {"auth": {"local_keys_dir": stack.env()["OMNIOPS_AUTH__LOCAL_KEYS_DIR"]}}
        )

    def tenant(self, tenant: str, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(self.s, tenant, f'bench-{role}', [role])}"}

    def operator(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_platform_token(self.s, 'bench-operator')}"}


def set_up_tenants(stack: Stack, tokens: Tokens, wp: dict[str, str], n: int) -> list[str]:
    """Allowlist the local WordPress and store its admin credential for ``n`` tenants."""
    tenants = [f"bench-api-{i}" for i in range(n)]
    origin = str(parse_origin(wp["url"]))
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.c.api_port}", timeout=30) as http:
        for t in tenants:
            body = {"tenant_id": t, "origin": origin, "reason": "bench"}
            r = http.post("/api/admin/site-allowlist", headers=tokens.operator(), json=body)
            assert r.status_code in (201, 409), r.text
            r = http.post(
                "/api/autonomous/credentials",
                headers=tokens.tenant(t, "admin"),
                json=admin_credential_body(wp),
            )
            assert r.status_code in (200, 201), r.text
    return tenants


async def starts(
    http: httpx.AsyncClient, tokens: dict[str, str], site: str, n: int
) -> tuple[list[float], list[str]]:
    """``n`` initiates as the tenant's system principal: latencies (s) and operation ids."""
    took, ids = [], []
    body = {"service": SERVICE, "operation": OPERATION, "inputs": {"site_url": site}}
    for _ in range(n):
        t = time.perf_counter()
        r = await http.post("/api/autonomous/initiate", headers=tokens["system"], json=body)
        took.append(time.perf_counter() - t)
        if r.status_code != 202:
            raise RuntimeError(f"initiate gave {r.status_code}: {r.text[:300]}")
        ids.append(r.json()["operation_id"])
    return took, ids


async def reads(http: httpx.AsyncClient, tokens: dict[str, str], op_ids: list[str]) -> list[float]:
    """One status read per operation as the tenant's admin: latencies (s)."""
    took = []
    for op_id in op_ids:
        t = time.perf_counter()
        r = await http.get(f"/api/autonomous/status/{op_id}", headers=tokens["admin"])
        took.append(time.perf_counter() - t)
        if r.status_code != 200:
            raise RuntimeError(f"status gave {r.status_code}: {r.text[:300]}")
    return took


async def settle(client: Any, workflow_ids: list[str], timeout_s: float = 300) -> None:
    """Wait until the agent worker has run every started workflow up to awaiting_consent, so the
    status reads measure the API, not the worker's backlog of new workflows."""
    from workflows.operation.workflow import AutonomousOperationWorkflow

    deadline = time.monotonic() + timeout_s
    for wid in workflow_ids:
        while True:
            try:
                await client.get_workflow_handle(wid).query(AutonomousOperationWorkflow.status)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)


async def one_round(
    variant: str, tenants: list[str], minted: Tokens, site: str, clients: int, n: int, client: Any
) -> tuple[list[float], list[float]]:
    """50 clients start ``n`` operations each; once the worker settled, they read each status;
    then the round's workflows are terminated. Returns (start latencies, status latencies)."""
    tokens = {t: {"system": minted.tenant(t, "system"), "admin": minted.tenant(t, "admin")} for t in tenants}
    mine = [tokens[tenants[i % len(tenants)]] for i in range(clients)]
    pool = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{PORTS[variant]}", timeout=60, limits=pool
    ) as http:
        started = await asyncio.gather(*(starts(http, mine[i], site, n) for i in range(clients)))
        wids = [
            operation_workflow_id(tenants[i % len(tenants)], op)
            for i, (_, ops) in enumerate(started)
            for op in ops
        ]
        await settle(client, wids)
        read = await asyncio.gather(*(reads(http, mine[i], started[i][1]) for i in range(clients)))
    await terminate(client, wids)
    return [x for took, _ in started for x in took], [x for r in read for x in r]


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


async def terminate(client: Any, workflow_ids: list[str]) -> None:
    sem = asyncio.Semaphore(20)

    async def one(wid: str) -> None:
        async with sem:
            try:
                await client.get_workflow_handle(wid).terminate("bench done")
            except Exception:  # noqa: BLE001 - already closed
                pass

    await asyncio.gather(*(one(w) for w in workflow_ids))


async def main(clients: int, requests: int, rounds: int, n_tenants: int) -> None:
    stack = Stack(StackConfig())
    wp = stack.up()
    os.environ.update(stack.env())
    from core.settings import get_settings

    get_settings.cache_clear()  # read before the stack's environment was set
    minted = Tokens(stack)
    tenants = set_up_tenants(stack, minted, wp, n_tenants)
    procs = {v: start_api(stack, v) for v in PORTS}
    samples: dict[tuple[str, str], list[float]] = defaultdict(list)
    from core.temporal import connect
    from workflows import ids

    client = await connect(scoping=ids)
    try:
        await one_round("on", tenants, minted, wp["url"], clients, 1, client)  # warm-up, not counted
        await one_round("off", tenants, minted, wp["url"], clients, 1, client)
        for i in range(rounds):
            for variant in ("on", "off") if i % 2 == 0 else ("off", "on"):
                s, r = await one_round(variant, tenants, minted, wp["url"], clients, requests, client)
                samples[(variant, "start")] += s
                samples[(variant, "status")] += r
                print(
                    f"round {i} {variant}: start p99 {p(s, 99):.1f} ms, status p99 {p(r, 99):.1f} ms",
                    flush=True,
                )
    finally:
        for proc in procs.values():
            proc.terminate()
    print(f"\n{clients} clients, {rounds} rounds x {requests} requests per client and route")
    for route in ("start", "status"):
        on, off = samples[("on", route)], samples[("off", route)]
        print(
            f"{route:7s} on  p50 {p(on, 50):6.1f} ms  p99 {p(on, 99):6.1f} ms | "
            f"off p50 {p(off, 50):6.1f} ms  p99 {p(off, 99):6.1f} ms | "
            f"p99 ratio on/off {p(on, 99) / p(off, 99):.2f}x (goal <= 1.2x)"
        )


if __name__ == "__main__":
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("--clients", type=int, default=50)
    a.add_argument("--requests", type=int, default=10)
    a.add_argument("--rounds", type=int, default=3)
    a.add_argument("--tenants", type=int, default=10)
    x = a.parse_args()
    asyncio.run(main(x.clients, x.requests, x.rounds, x.tenants))
