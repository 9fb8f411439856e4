"""Benchmark: the floor under bench.cycles' 2.0x goal, the Temporal shape of a cycle with no work.

    uv run python -m bench.cycle_floor [--tenants 1000] [--rounds 2] [--shapes TLLLSLU,TLU]
        [--cluster] [--port-offset 40] [--down]

On bench.cycles' own stack (same server, same ports), with the same fan-out shape (``--batch``
children in flight, continue-as-new every 500) and the same worker sizing, it times per round:

- **bare**: bench.cycles' baseline, empty child workflows;
- **each ``--shapes`` entry**: :class:`bench.floor_workflows.SkeletonCycle` children running that
  shape's steps, every step an echo; letters T (tags at start), L (a local activity), S (a regular
  activity on another task queue polled by another process, as ``send_email`` on the messaging
  worker), U (the closing upsert). The default, ``TLLLSLU``, is a bench cycle's 16-event shape.

A skeleton has no payload codec, database, Vault or SMTP, so its ratio to the bare fan-out is a
lower bound of any cycle of that shape on this server. Prints each phase's wall time and ratio
per round, and the CPU seconds per process and phase (bench/cpu.py; the send worker is the
bench's child).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from bench.bare_workflows import BareFanoutWorkflow, EmptyWorkflow
from bench.cpu import print_usage, snapshot, stack_pids
from bench.floor_workflows import (
    CYCLE_SHAPE,
    SEND_QUEUE,
    SkeletonCycle,
    SkeletonFanout,
    floor_send,
    floor_step,
)

PAYLOAD = "x" * 400
"""About a cycle step's payload size, in bytes."""


async def serve_send(address: str, namespace: str) -> None:
    """The send worker (``--serve-send``): ``floor_send`` on :data:`SEND_QUEUE`, until killed."""
    client = await Client.connect(address, namespace=namespace)
    with ThreadPoolExecutor(8) as pool:
        await Worker(client, task_queue=SEND_QUEUE, activities=[floor_send], activity_executor=pool).run()


async def phase(client: Client, name: str, run: str, tenants: int, batch: int, shape: str = "") -> float:
    """Seconds of one phase: ``name`` "bare" (empty children), else skeleton cycles of ``shape``,
    ``tenants`` children ``batch`` at a time, on a worker in this process sized like the agent
    worker (workers/sizing.py) with the shared runner (workers/sandbox.py)."""
    from bench.cycles import sized_worker

    queue = f"bench-floor-{run}"
    workflow, args = (
        (BareFanoutWorkflow.run, [tenants, batch, 500])
        if name == "bare"
        else (SkeletonFanout.run, [tenants, batch, 500, PAYLOAD, shape])
    )
    workflows = [EmptyWorkflow, BareFanoutWorkflow, SkeletonCycle, SkeletonFanout]
    async with sized_worker(client, queue, workflows, [floor_step]):
        t = time.perf_counter()
        await client.execute_workflow(workflow, args=args, id=f"{queue}-{name}", task_queue=queue)
        return time.perf_counter() - t


async def main(
    tenants: int, batch: int, rounds: int, offset: int, down: bool, shapes: list[str], cluster: bool
) -> None:
    from bench.cycles import bench_config, compile_bytecode
    from devstack.stack import Stack

    stack = Stack(bench_config(cluster, offset))
    stack.infra_up()
    compile_bytecode()
    os.environ.update(stack.env())
    from core.settings import get_settings

    get_settings.cache_clear()
    t = get_settings().temporal
    client = await Client.connect(t.address, namespace=t.namespace)
    sender = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.cycle_floor", "--serve-send", t.address, t.namespace
    )
    pids = {**stack_pids(stack.c.data_dir), "send worker": sender.pid}
    try:
        cpu: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
        for r in range(1, rounds + 1):
            run = uuid.uuid4().hex[:6]
            times = {}
            for name in ("bare", *shapes):
                before = snapshot(pids)
                times[name] = await phase(client, name, run, tenants, batch, name)
                cpu[f"{name} {r}"] = (before, snapshot(pids))
            each = ", ".join(f"{s} {times[s]:.1f}s = {times[s] / times['bare']:.2f}x" for s in shapes)
            print(f"round {r}: bare {times['bare']:.1f}s; {each}", flush=True)
        print_usage(cpu)
    finally:
        sender.terminate()
        await asyncio.wait_for(sender.wait(), 10)
        if down:
            stack.down()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-send":
        asyncio.run(serve_send(sys.argv[2], sys.argv[3]))
        sys.exit(0)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tenants", type=int, default=1000)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--port-offset", type=int, default=40)
    p.add_argument("--down", action="store_true", help="stop the bench's stack at the end")
    p.add_argument("--cluster", action="store_true", help="the Temporal server on Postgres (bench.cycles')")
    p.add_argument(
        "--shapes",
        default=CYCLE_SHAPE,
        help=f"comma-separated skeleton shapes to time after the bare phase (default {CYCLE_SHAPE}, "
        "a bench cycle's; letters as bench.floor_workflows.CYCLE_SHAPE)",
    )
    a = p.parse_args()
    asyncio.run(main(a.tenants, a.batch, a.rounds, a.port_offset, a.down, a.shapes.split(","), a.cluster))
