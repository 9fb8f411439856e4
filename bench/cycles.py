"""Benchmark: 1,000 tenants' hourly cycles vs a bare fan-out of as many empty workflows.

    uv run python -m bench.cycles [--tenants 1000] [--batch 50] [--cluster] [--port-offset N]

Starts (or reuses) its own stack (data in ``/var/tmp/omniops-bench-cycles[-cluster]``, ports
29233/45432/... plus ``--port-offset``: Postgres, Temporal, Vault, SMTP server, agent and
messaging workers). ``--cluster`` runs the Temporal server itself on the stack's Postgres
(devstack/temporal_cluster.py) instead of the CLI's dev server (SQLite, WAL).

Seeds ``--tenants`` tenants, each with an account, a catalogue product, two contacts (one past
its 21-day touch), a new order and a client reply, so every cycle reads data, plans, passes the
policy guard, validates an order, queues an email through the outbox (the local default send
mode, internal_only to example.test, so it really goes over SMTP to the local server) and writes
its run record and reflection.

- **cycles**: one ``CycleFanout`` over the seeded tenants, ``--batch`` children in flight,
  continue-as-new every 500 children;
- **bare**: the same shape (a parent keeping the same number of children in flight
  with the same continue-as-new) where each child is an empty workflow, on the same server, with
  a worker in the bench's own process sized like the agent worker (``workers.sizing``: the same
  ``OMNIOPS_WORKERS__*`` slots, pollers and sticky cache).

The agent and messaging workers are restarted at the start, so they run this checkout's code and
the environment's ``OMNIOPS_WORKERS__*``; ``--down`` stops the whole stack at the end.

Prints both wall times, their ratio, the longest history of any workflow in the cycles run,
p50/p99 schedule-to-start of workflow and activity tasks over a sample of cycle histories, and
the CPU seconds each process of the stack used in each phase (bench/cpu.py), and the event
timeline of one cycle (where its time goes).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from temporalio.client import Client
from temporalio.worker import Worker

from bench.bare_workflows import BareFanoutWorkflow, EmptyWorkflow
from bench.cpu import print_usage, snapshot, stack_pids
from bench.cycle_profile import print_timeline, schedule_to_start
from bench.cycle_quiet import disable_earlier_tenants, platform_schedules_paused
from bench.cycle_seed import seed, warm_tenant_keys
from bench.stacks import bench_stack
from devstack.config import StackConfig
from devstack.stack import Stack
from workers.sandbox import workflow_runner

if TYPE_CHECKING:
    from workflows.cycle.messages import FanoutResult

BENCH_WORKFLOW_MODULES = ("bench.bare_workflows", "bench.floor_workflows")
"""The benches' own workflow modules, deterministic like ``workflows/`` and passed through alike."""
POLL_EXPIRY_S = 75.0
"""How long the server may still hand tasks to a stopped worker's long polls (60 s polls, plus
margin). A task matched to one is lost until its timeout: measured, the first window's
``send_email`` waited 61 s (StartToClose 60 s, then attempt 2) when the cycles began within a
minute of the restart, so the bench waits this out after restarting the workers."""


def bench_config(cluster: bool, offset: int) -> StackConfig:
    """A stack of its own, beside ``make run``'s and the test stacks."""
    return bench_stack("omniops-bench-cycles" + ("-cluster" if cluster else ""), offset, cluster=cluster)


def compile_bytecode() -> None:
    """Write the .pyc files of the code the workers run, as a normal install (or the image,
    deploy/docker/Dockerfile) has them: the workflow sandbox re-imports a workflow's modules
    for every run, and under ``PYTHONDONTWRITEBYTECODE`` (set on this machine) it would compile
    their source each time, in both phases."""
    root = Path(__file__).resolve().parent.parent
    for package in ("core", "workflows", "schema", "activities", "workers", "bench"):
        compileall.compile_dir(root / package, quiet=1)
    compileall.compile_dir(Path(sys.prefix), quiet=2)  # the virtualenv's packages (errors: 3.12-only files)


async def longest_history(client: Client, query: str) -> tuple[int, str]:
    best, which = 0, ""
    async for wf in client.list_workflows(query):
        n = wf.history_length or 0
        if n > best:
            best, which = n, wf.id
    return best, which


@asynccontextmanager
async def sized_worker(
    client: Client, queue: str, workflows: list[type], activities: Sequence[Callable[..., Any]] = ()
) -> AsyncIterator[Worker]:
    """A worker in this process (the bench's baselines) on ``queue``, sized like the agent worker
    (``workers.sizing``: the same ``OMNIOPS_WORKERS__*`` slots, pollers, sticky cache and thread
    pool) with the same runner; the bench's workflow modules are passed through like ``workflows``."""
    from core.settings import get_settings
    from workers.sizing import workflow_worker_options

    sizing = get_settings().workers
    with ThreadPoolExecutor(sizing.agent_threads) as pool:
        async with Worker(
            client,
            task_queue=queue,
            workflows=workflows,
            activities=activities,
            activity_executor=pool,
            workflow_runner=workflow_runner(*BENCH_WORKFLOW_MODULES),
            **workflow_worker_options(sizing),
        ) as worker:
            yield worker


async def phases(
    client: Client, bare_client: Client, stack: Stack, run: str, tenants: int, batch: int
) -> tuple[float, int, float, FanoutResult, str, dict[str, tuple[dict[str, float], dict[str, float]]]]:
    """The bare fan-out, then the cycles, on the same server: (bare s, children, cycles s, the
    fan-out's result, its hour, CPU seconds per process and phase)."""
    from workflows import ids
    from workflows.cycle.hours import hour_key
    from workflows.cycle.messages import FanoutInput
    from workflows.cycle.triggers import CycleFanoutWorkflow

    queue = f"bench-bare-{run}"
    pids = stack_pids(stack.c.data_dir)
    cpu0 = snapshot(pids)
    async with sized_worker(bare_client, queue, [EmptyWorkflow, BareFanoutWorkflow]):
        t = time.perf_counter()
        done = await bare_client.execute_workflow(
            BareFanoutWorkflow.run, args=[tenants, batch, 500], id=f"bench-bare-{run}", task_queue=queue
        )
        bare = time.perf_counter() - t
    print(f"bare phase done: {bare:.1f}s; cycles start", flush=True)
    cpu1 = snapshot(pids)
    hour = hour_key(datetime.now(UTC))
    t = time.perf_counter()
    result: FanoutResult = await client.execute_workflow(
        CycleFanoutWorkflow.run,
        FanoutInput(hour=hour, prefix=f"bench-{run}", batch=batch, continue_after=500),
        id=ids.cycle_fanout_workflow_id(hour),
        task_queue="agent",
    )
    cycles = time.perf_counter() - t
    cpu2 = snapshot(pids)
    return bare, done, cycles, result, hour, {"bare": (cpu0, cpu1), "cycles": (cpu1, cpu2)}


async def main(
    tenants: int, batch: int, cluster: bool, offset: int, sample: int, down: bool, warm_keys: bool
) -> None:
    stack = Stack(bench_config(cluster, offset))
    stack.infra_up()
    stack.mail()
    compile_bytecode()
    os.environ.update({**stack.env(), **stack.owner_env()})  # the seed runs as the owner
    from core.settings import get_settings

    get_settings.cache_clear()  # read again with the stack's environment
    print(f"disabled {disable_earlier_tenants()} earlier runs' tenants", flush=True)
    stopped = [n for n in ("worker-agent", "worker-messaging") if stack.running(n)]
    for name in stopped:  # this checkout's code and OMNIOPS_WORKERS__*
        stack.stop(name)
    stopped_at = time.monotonic()
    stack.worker("worker-agent", "agent", timeout=300)  # a busy 2-core machine starts workers slowly
    stack.worker("worker-messaging", "messaging", timeout=300)
    from core.temporal import connect
    from workflows import ids

    client = await connect(scoping=ids)
    bare_client = await connect(encrypted=False)  # the baseline's ids are no tenant's: no codec
    run = uuid.uuid4().hex[:6]
    prefix = f"bench-{run}"
    t = time.perf_counter()
    seed(prefix, tenants)
    print(f"seeded {tenants} tenants in {time.perf_counter() - t:.1f}s", flush=True)
    if warm_keys:
        t = time.perf_counter()
        warm_tenant_keys(prefix, tenants)
        print(f"created their Vault keys in {time.perf_counter() - t:.1f}s", flush=True)

    if stopped and (wait := POLL_EXPIRY_S - (time.monotonic() - stopped_at)) > 0:
        print(f"waiting {wait:.0f}s for the stopped workers' long polls to expire", flush=True)
        await asyncio.sleep(wait)
    async with platform_schedules_paused(client) as paused:
        print(f"paused {', '.join(paused) or 'no'} platform schedules while measuring", flush=True)
        bare, done, cycles, result, hour, cpu = await phases(client, bare_client, stack, run, tenants, batch)
    print(f"bare fan-out of {done} empty workflows: {bare:.1f}s", flush=True)
    print(
        f"cycles for {result.started} tenants: {cycles:.1f}s "
        f"(already running {result.already_running}, failed {result.failed})"
    )
    longest_cycle = await longest_history(client, f"WorkflowId STARTS_WITH 'cycle-{prefix}-'")
    longest_fanout = await longest_history(client, f"WorkflowId = '{ids.cycle_fanout_workflow_id(hour)}'")
    print(
        f"\nratio cycles/bare:        {cycles / bare:.2f}x  "
        f"({cycles / tenants * 1000:.0f} ms per tenant cycle)"
    )
    print(f"longest cycle history:    {longest_cycle[0]} events ({longest_cycle[1]})")
    print(
        f"longest fan-out history:  {longest_fanout[0]} events (one run; continue-as-new every 500 children)"
    )
    server = "Temporal server on Postgres" if cluster else "dev server (SQLite, WAL)"
    print(f"server:                   {server}")
    print_usage(cpu)
    await schedule_to_start(client, prefix, result.started, sample)
    await print_timeline(client, f"cycle-{prefix}-00000-{hour}")
    if down:
        stack.down()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tenants", type=int, default=1000)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--cluster", action="store_true", help="the Temporal server on Postgres")
    p.add_argument("--port-offset", type=int, default=0)
    p.add_argument("--sample", type=int, default=200, help="cycle histories read for schedule-to-start")
    p.add_argument("--down", action="store_true", help="stop the bench's stack at the end")
    p.add_argument(
        "--warm-keys",
        action="store_true",
        help="create each tenant's payload keyring and unsubscribe key before measuring, as an "
        "existing tenant has them (without: each cycle is its tenant's first, and creates both)",
    )
    a = p.parse_args()
    asyncio.run(main(a.tenants, a.batch, a.cluster, a.port_offset, a.sample, a.down, a.warm_keys))
