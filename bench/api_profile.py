"""Profile of the API's read routes: CPU microseconds per request by part (issue 17, API reads).

    uv run python -m bench.api_profile --test-stack [--routes hello,status_finished]
        [--clients 50] [--seconds 8] [--rate 200] [--finished 100] [--keep DIR]

``bench.api_reads``' set-up (bench/api_reads_setup.py), but each server with ONE uvicorn worker
(one process to sample; both servers alike, so hello stays the like-for-like baseline). For each
route: vegeta's closed loop for ``--seconds`` while ``py-spy record --nonblocking --format raw``
samples the server's process at ``--rate`` Hz (py-spy is not a project dependency:
``uvx py-spy``, run as root or with ptrace rights). The process's CPU time over the attack
(``/proc/<pid>/stat``) divided by the requests it answered is the total CPU per request; each
non-idle sample is charged to the innermost frame of a known part (:data:`PARTS`), and the total
is split in proportion. Prints one table row per part, in microseconds per request. Caveats: a
thread blocked in psycopg's C wait is not always seen as idle, so "database" includes some
waiting on Postgres; ``--rate 0`` measures the CPU per request alone (no sampler load), the
figure to compare two versions by, run back to back.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

from bench.api_latency import terminate
from bench.api_reads_setup import API_PORT, HELLO_PORT, set_up, stop
from bench.loadgen import Target, attack

PARTS: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(rx))
    for name, rx in [
        ("jwt / token cache", r"api/auth\.py|api/jwt_keys\.py|/jwt/|hashlib"),
        ("rate limit (Redis script)", r"api/ratelimit\.py|/redis/"),
        ("authz matrix", r"api/authz/"),
        ("database (SQLAlchemy, psycopg)", r"sqlalchemy|psycopg|schema/"),
        ("status service + cache", r"api/status_cache\.py|api/services/|api/controllers/"),
        ("tracing (OpenTelemetry)", r"opentelemetry"),
        ("Prometheus middleware", r"prometheus"),
        ("logging (structlog)", r"structlog|/logging/"),
        ("serialization (msgspec, pydantic)", r"msgspec|pydantic|litestar/serialization|litestar/response"),
        ("Litestar", r"litestar/"),
        ("uvicorn, httptools", r"uvicorn|httptools"),
        ("event loop, threads", r"asyncio|uvloop|threading|concurrent/"),
    ]
]
"""(part, frame pattern); a frame is ``function (path:line)``. Earlier parts win on one frame."""


def part_of(stack: list[str]) -> str:
    """The part of the innermost frame that matches one (``other`` when none does)."""
    for frame in reversed(stack):
        for name, rx in PARTS:
            if rx.search(frame):
                return name
    return "other"


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def py_spy() -> list[str]:
    exe = shutil.which("py-spy")
    return [exe] if exe else ["uvx", "py-spy"]


def profile(
    pid: int, targets: list[Target], a: argparse.Namespace, route: str
) -> tuple[Counter[str], int, float]:
    """(samples per part, requests answered, CPU seconds of ``pid``) over one attack; py-spy's raw
    stacks are kept in ``--keep`` when given (``<route>.txt``)."""
    clients, seconds, rate = a.clients, a.seconds, a.rate
    with tempfile.TemporaryDirectory(prefix="omniops-profile-") as d:
        out = Path(a.keep or d) / f"{route}.txt"
        argv = [*py_spy(), "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw"]
        argv += ["--nonblocking", "--full-filenames", "--duration", str(int(seconds)), "--output", str(out)]
        spy = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) if rate else None  # noqa: S603
        before = cpu_s(pid)
        got = attack(targets, clients, seconds)
        used = cpu_s(pid) - before
        if spy is None:  # --rate 0: the CPU per request alone, without the sampler's own load
            print(got.line("measured"), flush=True)
            return Counter({"(not sampled)": 1}), got.requests, used
        spy.wait(timeout=120)
        if not out.exists():
            raise RuntimeError(f"py-spy wrote no profile (run as root?): {' '.join(argv)}")
        parts: Counter[str] = Counter()
        for line in out.read_text().splitlines():
            stack, _, n = line.rpartition(" ")
            if stack and n.isdigit():
                parts[part_of(stack.split(";"))] += int(n)
    bad = {k: v for k, v in got.codes.items() if not k.startswith("2")}
    print(got.line(f"profiled ({bad or 'all 2xx'})"), flush=True)
    return parts, got.requests, used


def table(route: str, parts: Counter[str], requests: int, used: float) -> None:
    total = sum(parts.values()) or 1
    per = used / max(requests, 1) * 1e6
    print(f"\n{route}: {requests} requests, {per:.0f} us CPU per request, {total} samples")
    for name, n in parts.most_common():
        print(f"  {name:36s} {per * n / total:7.0f} us  ({100 * n / total:4.1f}%)")


async def run(a: argparse.Namespace) -> None:
    b = await set_up(a.test_stack, 1, a.tenants, a.finished, a.running)
    pids = {"hello": b.procs[1].pid}
    try:
        for route in a.routes.split(","):
            pid = pids.get(route, b.procs[0].pid)
            await asyncio.to_thread(attack, b.targets[route], a.clients, 2)  # warm (caches, pools)
            parts, n, used = await asyncio.to_thread(profile, pid, b.targets[route], a, route)
            table(route, parts, n, used)
    finally:
        await b.api.aclose()
        for proc in b.procs:
            stop(proc)
        await terminate(b.client, b.started)
    print(f"(ports {API_PORT}, {HELLO_PORT}; one uvicorn worker per server)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--routes", default="hello,status_finished")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--rate", type=int, default=200, help="py-spy samples per second (0: CPU/request only)")
    ap.add_argument("--tenants", type=int, default=10)
    ap.add_argument("--finished", type=int, default=100)
    ap.add_argument("--running", type=int, default=2)
    ap.add_argument("--keep", default="", help="a directory to keep py-spy's raw stacks in")
    ap.add_argument("--test-stack", action="store_true")
    asyncio.run(run(ap.parse_args()))
