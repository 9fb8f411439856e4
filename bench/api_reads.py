"""Benchmark: API reads and starts under 50 concurrent clients against a hello-world Litestar
route in the same run (issue 17, goals "API reads" and "Start-operation").

    uv run python -m bench.api_reads [--clients 50] [--seconds 8] [--rounds 2] [--tenants 10]
        [--finished 100] [--running 50] [--workers N] [--start-rate 0] [--reads-only] [--test-stack]
        [--probe FILE]

Starts (or reuses) the local dev stack (``--test-stack``: the stack of
``OMNIOPS_TEST_DATA``/``OMNIOPS_TEST_PORT_OFFSET``; its API ports are 8111/8112 + offset), then
two servers (bench/api_reads_setup.py), each ``python -m api`` with the SAME number of uvicorn
worker processes, ``--workers`` (default: the setting's default, one per CPU, 2 here), so the
ratio to hello compares like with like: the API as in production (application role, row-level security, rate
limiter counting in Redis with limits out of reach; bench.api_latency's set-up) and
:mod:`bench.hello_app`. Set-up per tenant: ``--finished`` operations started and cancelled (a
stored final record each) and ``--running`` ones waiting for consent. The load comes from vegeta
(bench/loadgen.py, native, closed loop: ``--clients`` connections each sending its next request
when the last one answered), so it does not take the server's CPU the way a Python client does.
Per round, in alternating order, for ``--seconds`` each: ``GET /hello``; ``GET
/api/autonomous/status/{id}`` of a finished and of a running operation of the caller's tenant
(each target its tenant's admin token); ``GET /api/autonomous/history?limit=50``. Last,
``POST /api/autonomous/initiate`` as each tenant's system principal (closed loop, then at
``--start-rate`` req/s when given), after the Temporal-only baseline (bench/api_start_baseline.py:
bare ``start_workflow`` calls, ``--clients`` concurrent, same server). Prints req/s, p50, p99
and the ratio to hello per read route, to the bare baseline for starts. The API records
:data:`~bench.api_reads_setup.SAMPLE_RATIO` of traces, the production setting. Where the CPU of
one request goes: bench/api_profile.py. Why a round's tail is what it is: ``--probe FILE``
(bench/api_probe_app.py: per worker and second, GC pauses, status-cache expiries, pool waits,
event-loop lag), each round's line ending with its epoch window.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict

from bench.api_latency import terminate
from bench.api_reads_setup import set_up, start_targets, stop
from bench.api_start_baseline import bare_starts
from bench.loadgen import Result, attack
from core.api_settings import ApiServerSettings

READS = ("hello", "status_finished", "status_running", "history")


async def run(a: argparse.Namespace) -> None:
    workers = a.workers or ApiServerSettings().workers  # the default (the test stack sets 1)
    b = await set_up(a.test_stack, workers, a.tenants, a.finished, a.running, a.probe)
    results: dict[str, list[Result]] = defaultdict(list)
    try:
        for rnd in range(a.rounds + 1):  # round 0 warms up, not counted
            for route in READS if rnd % 2 else READS[::-1]:
                t0 = time.time()
                got = await asyncio.to_thread(attack, b.targets[route], a.clients, a.seconds if rnd else 2)
                if rnd:
                    results[route].append(got)
                print(got.line(f"r{rnd} {route}") + f"  [{t0:.1f}-{time.time():.1f}]", flush=True)
        if a.reads_only:
            return
        bare = await bare_starts(a.clients, a.seconds)  # the same server, alone (its own module)
        results["temporal_start"].append(bare)
        print(bare.line("temporal_start"), flush=True)
        runs = [("start", 0)] + ([("start_fixed", a.start_rate)] if a.start_rate else [])
        for name, rate in runs:
            got = await asyncio.to_thread(attack, start_targets(b), a.clients, a.seconds, rate, True)
            results[name].append(got)
            print(got.line(name), flush=True)
            b.started += [w for w in map(_workflow_id, got.bodies) if w]
    finally:
        await b.api.aclose()
        for proc in b.procs:
            stop(proc)
        await terminate(b.client, b.started)  # the started operations wait for consent: end them
        report(results, a, workers)


def _workflow_id(raw: bytes) -> str | None:
    try:
        return str(json.loads(raw)["workflow_id"])
    except (ValueError, KeyError, TypeError):
        return None


def report(results: dict[str, list[Result]], a: argparse.Namespace, workers: int) -> None:
    print(
        f"\n{a.clients} clients (vegeta, closed loop), {workers} uvicorn workers per server, "
        f"{a.rounds} rounds x {a.seconds:.0f} s per read route, {a.seconds:.0f} s of starts"
    )
    rate = {}
    for route, rs in results.items():
        n = sum(r.requests for r in rs)
        rate[route] = n / sum(r.seconds for r in rs)
        p50, p99 = max(r.p50_ms for r in rs), max(r.p99_ms for r in rs)
        base = "temporal_start" if route.startswith("start") else "hello"
        ratio = rate[route] / rate[base] if rate.get(base) else 0.0
        print(
            f"{route:16s} {rate[route]:8.1f} req/s ({ratio:4.2f}x {base})  p50 {p50:7.1f} ms  "
            f"p99 {p99:7.1f} ms  (n={n}; p50/p99: the worst round)"
        )
    print("goals: status >= 0.3x hello, p99 <= 100 ms; history p99 <= 250 ms; start p99 <= 50 ms")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--tenants", type=int, default=10)
    ap.add_argument("--finished", type=int, default=100)
    ap.add_argument("--running", type=int, default=5, help="operations waiting for consent per tenant")
    ap.add_argument("--workers", type=int, default=0, help="uvicorn processes per server (0: the setting)")
    ap.add_argument("--start-rate", type=int, default=0, help="also start at this fixed rate (req/s)")
    ap.add_argument("--test-stack", action="store_true")
    ap.add_argument("--probe", default="", help="probes (bench/api_probe_app.py) to this file")
    ap.add_argument("--reads-only", action="store_true", help="skip the start runs (iterating on reads)")
    asyncio.run(run(ap.parse_args()))
