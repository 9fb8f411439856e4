"""A campaign's send window (seed 004 P1.2): broadcast batches go out only in the campaign's hours.

Pure: no I/O or clock; hours come from the cycle's hour key (``yyyymmddhh``, UTC). A window is
``[start, end)`` in whole UTC hours (0-23); ``start > end`` wraps past midnight (22, 6: 22:00 to
05:59); ``start == end`` or either bound None means every hour. Outside it a batch is deferred
(rule ``send_window``) to the window's next opening hour, not dropped: the guard keeps it in
``agent_deferred_actions`` for that hour and records the reason.
"""

from __future__ import annotations

from datetime import timedelta

from workflows.cycle.actions import ActionKind, PolicyDecision, PolicyFacts, ProposedAction
from workflows.cycle.hours import hour_key, hour_start


def in_window(hour: int, start: int | None, end: int | None) -> bool:
    """Whether the UTC hour of day ``hour`` is in ``[start, end)`` (wrapping when start > end;
    every hour when start == end or a bound is None). Raises ValueError for an hour outside 0-23."""
    for h in (hour, start, end):
        if h is not None and not 0 <= h <= 23:
            raise ValueError(f"hour {h} is not in 0-23")
    if start is None or end is None or start == end:
        return True
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def next_window_hour(key: str, start: int | None, end: int | None) -> str:
    """The first hour key after ``key`` whose hour is in the window (the next day's opening at
    the latest). Raises ValueError for a malformed key or hour."""
    at = hour_start(key)
    for step in range(1, 25):
        candidate = at + timedelta(hours=step)
        if in_window(candidate.hour, start, end):
            return hour_key(candidate)
    raise AssertionError("unreachable: every window holds at least one hour")


def describe(start: int, end: int) -> str:
    """``"09:00-17:00 UTC"``."""
    return f"{start:02d}:00-{end:02d}:00 UTC"


def send_window_rule(action: ProposedAction, facts: PolicyFacts) -> PolicyDecision | None:
    """Broadcast batches only: defer (rule "send_window") a batch whose cycle hour
    (``facts.hour``) is outside its campaign's window (``facts.send_window``), naming the window
    and the hour it is deferred to (seed 004 P1.2). No window or no hour: nothing to say."""
    if action.kind is not ActionKind.SEND_BROADCAST_BATCH or facts.send_window is None or not facts.hour:
        return None
    start, end = facts.send_window
    if in_window(hour_start(facts.hour).hour, start, end):
        return None
    to = next_window_hour(facts.hour, start, end)
    return PolicyDecision(
        verdict="defer",
        rule="send_window",
        reason=f"outside the campaign's send window {describe(start, end)}; deferred to hour {to}",
    )
