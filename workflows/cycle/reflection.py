"""Reflect's pure rules (seed 004 "Reflect"): what changed, which metrics moved since the
previous run, what was blocked, and the hints for the next hour.

The reflect activity reads the run's actions and the metrics, calls these and writes the result
to ``agent_hourly_reflections``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

NOT_ALLOWED = ("block", "defer", "halt")


@dataclass(frozen=True)
class ActionRecord:
    """One ``agent_run_actions`` row as Reflect reads it."""

    kind: str
    target_type: str
    target_id: str
    verdict: str
    outcome: str | None = None
    detail: Mapping[str, Any] | None = None


def metrics_moved(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Metrics present in both snapshots whose value changed: ``{name: {before, after}}``."""
    return {k: {"before": before[k], "after": v} for k, v in after.items() if k in before and before[k] != v}


def executed(actions: Iterable[ActionRecord]) -> dict[str, int]:
    """Allowed actions with an outcome, counted as ``"{kind}:{outcome}"``."""
    return dict(Counter(f"{a.kind}:{a.outcome}" for a in actions if a.verdict == "allow" and a.outcome))


def blocked(actions: Iterable[ActionRecord]) -> list[dict[str, Any]]:
    """Blocked, deferred and halted actions with their target and the guard's detail (rule, reason)."""
    return [
        {
            "action": a.kind,
            "target": f"{a.target_type}:{a.target_id}",
            "verdict": a.verdict,
            **(a.detail or {}),
        }
        for a in actions
        if a.verdict in NOT_ALLOWED
    ]


def hints(
    halted_reason: str | None, metrics: Mapping[str, Any], actions: Iterable[ActionRecord]
) -> list[str]:
    """Next-hour hints, in this order: a halt, deferred actions (they run first next hour),
    contacts past their 21-day touch (seed 004 P0.4), open order exceptions (P0.5), compliance
    checks in their window (P1.7). Empty when nothing needs saying."""
    out = []
    if halted_reason:
        out.append(f"halted: {halted_reason}; no actions until the switch is back on")
    deferred = sum(1 for a in actions if a.verdict == "defer")
    if deferred:
        out.append(f"{deferred} action(s) deferred by rate limits run first next hour")
    if metrics.get("engagement_overdue"):
        out.append(f"{metrics['engagement_overdue']} contact(s) still past their 21-day touch")
    if metrics.get("open_order_exceptions"):
        out.append(f"{metrics['open_order_exceptions']} order exception(s) need a person")
    if metrics.get("compliance_due"):
        out.append(f"{metrics['compliance_due']} compliance check(s) in their window")
    return out
