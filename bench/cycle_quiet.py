"""What bench.cycles does so that it measures only the cycles: the platform schedules paused and
earlier runs' tenants disabled.

- **Earlier runs' tenants.** The bench's stack keeps its data between runs, so every earlier run's
  seeded tenants stay enabled; the hourly alert sweep (``evaluate_alerts``, every enabled tenant)
  then read thousands of them during a measured phase (a 300-tenant run on a stack with 5,800
  tenants: the sweep was a fifth of the agent worker's samples). They are disabled before the
  workers start, so a sweep (a missed hour's, started when the workers come back) reads this run's
  tenants only.
- **Platform schedules** (``alert-sweep``, ``audit-digest``, ``audit-retention``;
  workers/platform_schedules.py) are paused while the phases run and unpaused after, so an hour
  boundary inside a run does not put a sweep into one phase and not the other. Their cost is
  hourly per tenant, not per cycle; ``bench.cycles`` measures the cycles.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio.client import Client


def disable_earlier_tenants(prefix: str = "bench-") -> int:
    """Disable the agent of every tenant whose id starts with ``prefix`` (earlier bench runs);
    returns how many were enabled. Runs as the table owner (the seed's role)."""
    from sqlalchemy import text

    from schema.db import owner_engine

    with owner_engine().begin() as c:
        n = c.execute(
            text("UPDATE tenants SET agent_enabled = false WHERE agent_enabled AND id LIKE :p"),
            {"p": prefix + "%"},
        ).rowcount
    return int(n or 0)


@asynccontextmanager
async def platform_schedules_paused(client: Client) -> AsyncIterator[list[str]]:
    """Pause the platform schedules for the block (the ids paused), unpause them after."""
    from core import schedules
    from workflows import ids

    sids = (ids.ALERT_SWEEP, ids.AUDIT_DIGEST, ids.AUDIT_RETENTION)
    paused = [s for s in sids if await schedules.pause(client, s, True, "bench.cycles is measuring")]
    try:
        yield paused
    finally:
        for s in paused:
            await schedules.pause(client, s, False, "bench.cycles done")
