"""Set-up of ``bench.api_reads`` and ``bench.api_profile``: the stack, the two servers (the API
and the hello baseline, each ``python -m api`` with the same number of uvicorn workers), the
tenants, operations with a stored final record and running ones, and the read targets."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import subprocess
import sys
from typing import Any

import httpx

from bench.api_latency import HIGH, Tokens, set_up_tenants, settle
from bench.loadgen import Target
from devstack.config import ROOT, StackConfig, wait_port
from devstack.demo import OPERATION, SERVICE
from devstack.stack import Stack
from workflows.ids import operation_workflow_id

OFFSET = int(os.environ.get("OMNIOPS_TEST_PORT_OFFSET", "0"))
API_PORT, HELLO_PORT = 8111 + OFFSET, 8112 + OFFSET
APPS = ("api.app:create_app", "bench.hello_app:create_app")
"""The two servers' app factories: the API, the hello baseline."""
SAMPLE_RATIO = 0.05
"""Share of traces the benched API records: the production value of deploy/helm and compose."""


async def running_ops(http: httpx.AsyncClient, system: dict[str, str], site: str, n: int) -> list[str]:
    """``n`` operations started by the tenant's system principal: they wait for consent."""
    body = {"service": SERVICE, "operation": OPERATION, "inputs": {"site_url": site}}
    ops = []
    for _ in range(n):
        r = await http.post("/api/autonomous/initiate", headers=system, json=body)
        assert r.status_code == 202, r.text
        ops.append(r.json()["operation_id"])
    return ops


async def finished_ops(http: httpx.AsyncClient, tokens: Tokens, tenant: str, site: str, n: int) -> list[str]:
    """``n`` operations of ``tenant`` started by its system principal, then cancelled; returns
    once each has written its final record."""
    ops = await running_ops(http, tokens.tenant(tenant, "system"), site, n)
    admin = tokens.tenant(tenant, "admin")
    for op in ops:
        for _ in range(600):
            r = await http.post(f"/api/autonomous/{op}/cancel", headers=admin)
            if r.status_code in (200, 202, 409):
                break
            await asyncio.sleep(0.1)
    for op in ops:
        for _ in range(600):
            if (await http.get(f"/api/autonomous/status/{op}", headers=admin)).json()[
                "status"
            ] == "cancelled":
                break
            await asyncio.sleep(0.1)
    return ops


def serve(stack: Stack, app: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """``python -m api --app app --workers workers`` on ``port`` (its own process group)."""
    env = {**os.environ, **stack.env(), "OMNIOPS_LOG_LEVEL": "WARNING"}
    env.update(OMNIOPS_OPERATIONS__MAX_CONCURRENT_PER_TENANT="1000000", OMNIOPS_LIMITS__ENABLED="true")
    env.update(OMNIOPS_LIMITS__PER_IP=HIGH, OMNIOPS_LIMITS__PER_TENANT=HIGH)
    env["OMNIOPS_OBSERVABILITY__OTLP_ENDPOINT"] = ""  # the test stack's in-test receiver is not running
    env["OMNIOPS_OBSERVABILITY__TRACE_SAMPLE_RATIO"] = str(SAMPLE_RATIO)  # production's (deploy/)
    argv = [sys.executable, "-m", "api", "--app", app, "--port", str(port), "--workers", str(workers)]
    log_path = stack.c.log_dir / f"bench-reads-{port}.log"
    log = open(log_path, "ab")  # noqa: SIM115 - the child owns it
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    wait_port(port, f"bench {app}", timeout=300, log=log_path)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, 15)
    proc.wait(timeout=30)


@dataclasses.dataclass
class Bench:
    """What the set-up built: the servers (stop them), the targets per read route and per
    tenant's start, and the workflow ids to terminate at the end."""

    stack: Stack
    wp: dict[str, str]
    client: Any
    api: httpx.AsyncClient
    procs: list[subprocess.Popen[bytes]]
    tenants: list[str]
    system: dict[str, dict[str, str]]
    targets: dict[str, list[Target]] = dataclasses.field(default_factory=dict)
    started: list[str] = dataclasses.field(default_factory=list)


async def set_up(
    test_stack: bool, workers: int, tenants: int, finished: int, running: int, probe: str = ""
) -> Bench:
    """Bring up the stack and both servers, then the operations and the read targets. With
    ``probe`` (a file), both servers run with bench/api_probe_app.py's probes, writing there."""
    cfg = StackConfig()
    if test_stack:
        from tests.stack_fixtures import TEST_CONFIG

        cfg = TEST_CONFIG
        defs = cfg.data_dir / "definitions"  # the test stack reads a copy (tests/stack_fixtures.py)
        if not defs.exists():
            shutil.copytree(ROOT / "definitions", defs)
    stack = Stack(cfg)
    stack.infra_up()
    wp = stack.wordpress()
    stack.worker("worker-agent", "agent", timeout=900)  # runs the operations to their waits
    os.environ.update(stack.env())
    from core.settings import get_settings

    get_settings.cache_clear()
    tokens = Tokens(stack)
    if probe:
        os.environ["OMNIOPS_BENCH_PROBE"] = probe
    apps = ("bench.api_probe_app:create_app", "bench.api_probe_app:create_hello") if probe else APPS
    procs = [serve(stack, apps[0], API_PORT, workers), serve(stack, apps[1], HELLO_PORT, workers)]
    try:
        return await _populate(stack, wp, tokens, procs, tenants, finished, running)
    except BaseException:  # a failed set-up leaves no server behind
        for proc in procs:
            stop(proc)
        raise


async def _populate(
    stack: Stack,
    wp: dict[str, str],
    tokens: Tokens,
    procs: list[subprocess.Popen[bytes]],
    tenants: int,
    finished: int,
    running: int,
) -> Bench:
    """The tenants, their finished and running operations, and the read targets."""
    from core.temporal import connect
    from workflows import ids

    stack.c = dataclasses.replace(stack.c, api_port=API_PORT)  # set_up_tenants calls this API
    names = set_up_tenants(stack, tokens, wp, tenants)
    base = f"http://127.0.0.1:{API_PORT}"
    b = Bench(
        stack, wp, await connect(scoping=ids), httpx.AsyncClient(base_url=base, timeout=60), procs, names, {}
    )
    b.system = {t: tokens.tenant(t, "system") for t in names}
    admin = {t: {"Authorization": tokens.tenant(t, "admin")["Authorization"]} for t in names}
    per = max(1, finished // len(names))
    done = await asyncio.gather(*(finished_ops(b.api, tokens, t, wp["url"], per) for t in names))
    live = await asyncio.gather(*(running_ops(b.api, b.system[t], wp["url"], running) for t in names))
    b.started += [operation_workflow_id(t, op) for t, ops in zip(names, live, strict=True) for op in ops]
    await settle(b.client, b.started)  # the worker ran them to awaiting_consent
    status = base + "/api/autonomous/status/"
    b.targets = {
        "hello": [Target("GET", f"http://127.0.0.1:{HELLO_PORT}/hello")],
        "status_finished": [
            Target("GET", status + op, admin[t]) for t, ops in zip(names, done, strict=True) for op in ops
        ],
        "status_running": [
            Target("GET", status + op, admin[t]) for t, ops in zip(names, live, strict=True) for op in ops
        ],
        "history": [Target("GET", base + "/api/autonomous/history?limit=50", admin[t]) for t in names],
    }
    return b


def start_targets(b: Bench) -> list[Target]:
    """``POST /api/autonomous/initiate`` as each tenant's system principal."""
    body = json.dumps({"service": SERVICE, "operation": OPERATION, "inputs": {"site_url": b.wp["url"]}})
    url = str(b.api.base_url).rstrip("/") + "/api/autonomous/initiate"
    return [
        Target("POST", url, {**b.system[t], "Content-Type": "application/json"}, body.encode())
        for t in b.tenants
    ]
