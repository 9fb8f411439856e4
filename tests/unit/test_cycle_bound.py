"""Every start of a cycle is bounded (issue 17): the rule that let the cycle retire its patches.

``TenantCycle`` and ``ScheduledCycle`` runs end at :data:`workflows.cycle.hours.CYCLE_BOUND` (an
``execution_timeout`` Temporal enforces), so one bound after a deploy no run of an older code shape
exists and its histories may be retired (tests/replay/manifest.py). These tests fail when a start
in the product code loses the bound. (The fan-out's children: tests/workflows/test_cycle_workflow.py.)
"""

from __future__ import annotations

import ast
from pathlib import Path

from api.services.cycle_schedule import _schedule
from core.settings import AgentSettings
from workflows.cycle.hours import CYCLE_BOUND

ROOT = Path(__file__).resolve().parents[2]
CYCLE_RUNS = {"TenantCycleWorkflow.run", "ScheduledCycleWorkflow.run"}
STARTS = {"start_workflow", "execute_workflow", "start_child_workflow", "execute_child_workflow"}


def _starts_of_a_cycle() -> list[tuple[str, bool]]:
    """(where, has an ``execution_timeout``) of each start of a cycle workflow in the product code."""
    found = []
    for top in ("api", "workflows", "activities", "workers"):
        for path in sorted((ROOT / top).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
                if name in STARTS and ast.unparse(node.args[0]) in CYCLE_RUNS:
                    bounded = any(k.arg == "execution_timeout" for k in node.keywords)
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", bounded))
    return found


def test_every_start_of_a_cycle_in_the_product_code_is_bounded() -> None:
    starts = _starts_of_a_cycle()
    assert len(starts) >= 2  # the fan-out's/schedule's child start and the manual run-now
    assert [where for where, bounded in starts if not bounded] == []


def test_the_schedule_action_is_bounded() -> None:
    assert _schedule("t1", 300, False, "").action.execution_timeout == CYCLE_BOUND  # type: ignore[attr-defined]


def test_the_bound_ends_a_run_before_the_stale_takeover() -> None:
    """A run the bound ended leaves its record ``running``; the takeover (``run_stale_after_s``)
    must come later than the bound, or it could take over a run that is still going."""
    assert CYCLE_BOUND.total_seconds() < AgentSettings().run_stale_after_s
