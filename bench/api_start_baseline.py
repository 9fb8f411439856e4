"""The Temporal-only baseline of ``bench.api_reads``' starts (issue 17, "Start-operation"): a bare
``client.start_workflow`` loop, ``clients`` concurrent tasks, against the same Temporal server in
the same run, so the API's starts are reported as a ratio to what the server takes alone.

Each start is an empty workflow type (``BenchEmpty``) on a task queue no worker polls, with a
plain (unencrypted) client: only the server's start round trip (its history and visibility
writes) is measured, none of the API's checks, row writes, encryption or the agent worker's
run of the started operation. Each run times out after ``RUN_TIMEOUT`` by itself.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

from bench.loadgen import Result
from core.temporal import connect

QUEUE = "bench-bare-start"
RUN_TIMEOUT = timedelta(minutes=2)


def _pct(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))] if sorted_ms else 0.0


async def bare_starts(clients: int, seconds: float) -> Result:
    """Starts per second, p50 and p99 (ms) of ``clients`` closed-loop start loops for ``seconds``."""
    client = await connect(encrypted=False)
    took: list[float] = []
    failed = 0
    deadline = time.monotonic() + seconds

    async def loop() -> None:
        nonlocal failed
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            try:
                await client.start_workflow(
                    "BenchEmpty",
                    "x",
                    id=f"bench-bare-start-{uuid.uuid4()}",
                    task_queue=QUEUE,
                    run_timeout=RUN_TIMEOUT,
                )
            except Exception:  # noqa: BLE001 - counted, reported
                failed += 1
                continue
            took.append((time.monotonic() - t0) * 1000)

    started = time.monotonic()
    await asyncio.gather(*(loop() for _ in range(clients)))
    wall = time.monotonic() - started
    ms = sorted(took)
    codes = {"ok": len(took), **({"error": failed} if failed else {})}
    return Result("temporalio", len(took), wall, len(took) / wall, _pct(ms, 0.5), _pct(ms, 0.99), codes)
