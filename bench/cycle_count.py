"""What one hourly cycle costs, step by step: SQL statements, payload bytes and local activities.

    OMNIOPS_TEST_DATA=... OMNIOPS_TEST_PORT_OFFSET=... \
        uv run python -m bench.cycle_count [--old] [--tenants N]

Runs on the test stack's Postgres (infra only: Postgres, Vault, the schema). Seeds one tenant the
way bench.cycles does (bench/cycle_seed.py) and drives the cycle's DB activities in this process,
in the order :class:`workflows.cycle.workflow.TenantCycleWorkflow` calls them (the email itself is
not sent: ``send_email`` is counted as one regular activity with its payloads). ``--old`` drives
the shape before issue 17's merged steps (``start_run`` + ``gather_context``, ``guard_action`` +
``perform_action`` each as two steps); the default drives the current one. Prints, per step, the
statements executed (a SQLAlchemy ``before_cursor_execute`` listener), the bytes of its input and
result as the pydantic converter encodes them (before the encryption codec), and the totals.
``--tenants N`` seeds N tenants and drives one cycle of each: the figures are per cycle, with the
CPU milliseconds this process spent in each step (``time.process_time``: SQLAlchemy, psycopg and
our code, as in the agent worker, without the SDK), a figure a loaded machine disturbs far less
than a wall time.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from temporalio.contrib.pydantic import pydantic_data_converter


def _size(value: object) -> int:
    if value is None:
        return 0
    return sum(len(p.data) for p in pydantic_data_converter.payload_converter.to_payloads([value]))


@dataclass
class Tally:
    statements: Counter[str] = field(default_factory=Counter)
    rows: list[tuple[str, int, int, int, bool]] = field(default_factory=list)
    cpu: Counter[str] = field(default_factory=Counter)
    current: str = ""

    def step(self, name: str, arg: object, fn: Any, local: bool = True) -> Any:
        self.current = name
        before, t = sum(self.statements.values()), time.process_time()
        out = fn(arg)
        self.cpu[name] += time.process_time() - t
        self.rows.append((name, sum(self.statements.values()) - before, _size(arg), _size(out), local))
        return out

    def print(self, cycles: int = 1) -> None:
        """Per cycle (the first ``cycles`` rows are the first cycle's steps, in order)."""
        steps = self.rows[: len(self.rows) // cycles]
        sql = Counter[str]()
        for name, n, *_ in self.rows:
            sql[name] += n
        print(f"{'step':34} {'SQL':>5} {'in B':>6} {'out B':>6} {'CPU ms':>7}  kind")
        for name, _, i, o, local in steps:
            kind = "local" if local else "activity"
            ms = 1000 * self.cpu[name] / cycles
            print(f"{name:34} {sql[name] / cycles:5.1f} {i:6d} {o:6d} {ms:7.1f}  {kind}")
        print(
            f"{'total':34} {sum(sql.values()) / cycles:5.1f} {sum(r[2] for r in steps):6d} "
            f"{sum(r[3] for r in steps):6d} {1000 * sum(self.cpu.values()) / cycles:7.1f}  "
            f"{sum(1 for r in steps if r[4])} local, {sum(1 for r in steps if not r[4])} regular"
        )


def main(old: bool, verbose: bool, tenants: int) -> None:
    from devstack.stack import Stack
    from tests.stack_fixtures import TEST_CONFIG

    stack = Stack(TEST_CONFIG)
    stack.infra_up()
    os.environ.update({**stack.env(), **stack.owner_env()})
    os.environ.setdefault("OMNIOPS_AGENT__PLANNER", "rules")  # as on the bench stack (no LLM key)
    from core.settings import get_settings

    get_settings.cache_clear()
    from bench.cycle_seed import seed
    from bench.cycle_shape import drive

    prefix = f"count-{uuid.uuid4().hex[:6]}"
    seed(prefix, tenants + 1)

    from activities.cycle import CycleActivities
    from schema.db import engine_for

    settings = get_settings()
    engine = engine_for(settings.database.url)
    tally = Tally()

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        tally.statements[tally.current] += 1
        if verbose:
            print(f"  [{tally.current}] {' '.join(statement.split())[:160]}")

    acts = CycleActivities(settings, engine)
    drive(acts, Tally(), f"{prefix}-{tenants:05d}", old)  # warm-up (imports, caches): not counted
    for i in range(tenants):
        drive(acts, tally, f"{prefix}-{i:05d}", old)
    tally.print(tenants)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--old", action="store_true", help="the shape before the merged steps")
    p.add_argument("-v", "--verbose", action="store_true", help="print every statement")
    p.add_argument("--tenants", type=int, default=1, help="cycles driven (one per seeded tenant)")
    a = p.parse_args()
    main(a.old, a.verbose, a.tenants)
