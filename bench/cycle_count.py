"""What one hourly cycle costs, step by step: SQL statements, payload bytes and local activities.

    OMNIOPS_TEST_DATA=... OMNIOPS_TEST_PORT_OFFSET=... uv run python -m bench.cycle_count [--old]

Runs on the test stack's Postgres (infra only: Postgres, Vault, the schema). Seeds one tenant the
way bench.cycles does (bench/cycle_seed.py) and drives the cycle's DB activities in this process,
in the order :class:`workflows.cycle.workflow.TenantCycleWorkflow` calls them (the email itself is
not sent: ``send_email`` is counted as one regular activity with its payloads). ``--old`` drives
the shape before issue 17's merged steps (``start_run`` + ``gather_context``, ``guard_action`` +
``perform_action`` each as two steps); the default drives the current one. Prints, per step, the
statements executed (a SQLAlchemy ``before_cursor_execute`` listener), the bytes of its input and
result as the pydantic converter encodes them (before the encryption codec), and the totals.
"""

from __future__ import annotations

import argparse
import os
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
    current: str = ""

    def step(self, name: str, arg: object, fn: Any, local: bool = True) -> Any:
        self.current = name
        before = sum(self.statements.values())
        out = fn(arg)
        self.rows.append((name, sum(self.statements.values()) - before, _size(arg), _size(out), local))
        return out

    def print(self) -> None:
        print(f"{'step':34} {'SQL':>4} {'in B':>6} {'out B':>6}  kind")
        for name, n, i, o, local in self.rows:
            print(f"{name:34} {n:4d} {i:6d} {o:6d}  {'local' if local else 'activity'}")
        print(
            f"{'total':34} {sum(r[1] for r in self.rows):4d} {sum(r[2] for r in self.rows):6d} "
            f"{sum(r[3] for r in self.rows):6d}  {sum(1 for r in self.rows if r[4])} local, "
            f"{sum(1 for r in self.rows if not r[4])} regular"
        )


def main(old: bool, verbose: bool) -> None:
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
    seed(prefix, 1)
    tenant = f"{prefix}-00000"

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

    drive(CycleActivities(settings, engine), tally, tenant, old)
    tally.print()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--old", action="store_true", help="the shape before the merged steps")
    p.add_argument("-v", "--verbose", action="store_true", help="print every statement")
    a = p.parse_args()
    main(a.old, a.verbose)
