"""The 21-day engagement engine: every contact is touched at least once per window (seed 004 P0.4).

Pure: the current time is always an argument (``now``, tz-aware UTC), never read here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from workflows.cycle.context import TouchCandidate

WINDOW = timedelta(days=21)
"""The engagement window (seed 004 P0.4)."""

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class ClockState:
    """A contact's engagement clock: when it was last touched, when the next touch is due, and
    how many whole days it is past due (0 while compliant)."""

    last_touch_at: datetime | None
    next_due_at: datetime
    status: Literal["compliant", "overdue"]
    days_overdue: int


def _aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _positive(window: timedelta) -> None:
    if window <= timedelta(0):
        raise ValueError("window must be positive")


def clock_state(
    last_touch_at: datetime | None, since: datetime, now: datetime, window: timedelta = WINDOW
) -> ClockState:
    """The clock at ``now``: due at ``(last_touch_at or since) + window``, where ``since`` is when
    the contact was created (the start of a never-touched contact's clock). Overdue when
    ``now > next_due_at``; ``days_overdue`` is whole days past due (floor; 0 when compliant, and 0
    in the first day overdue). Raises ValueError for naive datetimes or a non-positive window
    (21-day window, seed 004 P0.4)."""
    for name, value in (("last_touch_at", last_touch_at), ("since", since), ("now", now)):
        if value is not None:
            _aware(name, value)
    _positive(window)
    next_due = (last_touch_at or since) + window
    if now > next_due:
        return ClockState(last_touch_at, next_due, "overdue", (now - next_due) // _DAY)
    return ClockState(last_touch_at, next_due, "compliant", 0)


def priority_score(
    days_overdue: int, never_touched: bool, open_deals: int = 0, open_quotes: int = 0
) -> float:
    """How soon to touch an overdue contact; higher = sooner (seed 004 P0.4):

        2 * min(days_overdue, 60) + (15 if never_touched) + 10 * min(open_deals, 3) + 8 * min(open_quotes, 3)

    Overdue days count up to 60 (so a long-lost contact cannot starve everyone else); open deals and
    quotes add up to 3 each. Negative inputs count as 0. Range 0..189."""
    days = min(max(days_overdue, 0), 60)
    deals = min(max(open_deals, 0), 3)
    quotes = min(max(open_quotes, 0), 3)
    return float(2 * days + (15 if never_touched else 0) + 10 * deals + 8 * quotes)


def select_next(candidates: Iterable[TouchCandidate], limit: int) -> list[TouchCandidate]:
    """The ``limit`` candidates to touch first: ``score`` desc (callers set it with
    :func:`priority_score`), then ``days_overdue`` desc, then ``contact_id`` asc, so the order is
    deterministic. Callers pass only overdue contacts. Raises ValueError for a negative limit
    (seed 004 P0.4)."""
    if limit < 0:
        raise ValueError("limit must be >= 0")
    ranked = sorted(candidates, key=lambda c: (-c.score, -c.days_overdue, c.contact_id))
    return ranked[:limit]


def compliance_rate(compliant: int, total: int) -> float:
    """Percentage (0..100) of contacts whose clock is compliant; 100.0 when there are none.
    Raises ValueError unless 0 <= compliant <= total (seed 004 P0.4)."""
    if total < 0 or compliant < 0 or compliant > total:
        raise ValueError("need 0 <= compliant <= total")
    if total == 0:
        return 100.0
    return 100.0 * compliant / total


def touch(last: ClockState | None, at: datetime, window: timedelta = WINDOW) -> ClockState:
    """The clock after a touch at ``at``: compliant, due ``at + window``. A touch older than
    ``last.last_touch_at`` (an out-of-order record) does not move the clock back. Raises
    ValueError for a naive ``at`` or a non-positive window (21-day window, seed 004 P0.4)."""
    _aware("at", at)
    _positive(window)
    if last is not None and last.last_touch_at is not None and last.last_touch_at > at:
        at = last.last_touch_at
    return ClockState(at, at + window, "compliant", 0)
