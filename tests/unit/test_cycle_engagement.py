"""The 21-day engagement engine (seed 004 P0.4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workflows.cycle.context import TouchCandidate
from workflows.cycle.engagement import (
    WINDOW,
    ClockState,
    clock_state,
    compliance_rate,
    priority_score,
    select_next,
    touch,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_window_is_21_days() -> None:
    assert timedelta(days=21) == WINDOW


def test_recently_touched_contact_is_compliant() -> None:
    last = NOW - timedelta(days=10)
    s = clock_state(last, since=NOW - timedelta(days=100), now=NOW)
    assert s == ClockState(last, last + WINDOW, "compliant", 0)


def test_due_exactly_now_is_still_compliant() -> None:
    s = clock_state(NOW - WINDOW, since=NOW - timedelta(days=100), now=NOW)
    assert s.status == "compliant" and s.days_overdue == 0


def test_overdue_days_are_floored() -> None:
    last = NOW - WINDOW - timedelta(days=3, hours=23)
    s = clock_state(last, since=NOW - timedelta(days=100), now=NOW)
    assert s.status == "overdue" and s.days_overdue == 3 and s.next_due_at == last + WINDOW


def test_less_than_a_day_overdue_is_overdue_with_zero_days() -> None:
    s = clock_state(NOW - WINDOW - timedelta(hours=2), since=NOW - timedelta(days=100), now=NOW)
    assert s.status == "overdue" and s.days_overdue == 0


def test_never_touched_clock_starts_at_creation() -> None:
    since = NOW - timedelta(days=30)
    s = clock_state(None, since=since, now=NOW)
    assert s.last_touch_at is None and s.next_due_at == since + WINDOW
    assert s.status == "overdue" and s.days_overdue == 9


def test_custom_window() -> None:
    s = clock_state(NOW - timedelta(days=8), since=NOW, now=NOW, window=timedelta(days=7))
    assert s.status == "overdue" and s.days_overdue == 1


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        clock_state(None, since=datetime(2025, 1, 1), now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        touch(None, datetime(2025, 1, 1))


def test_priority_score_formula() -> None:
    assert priority_score(10, never_touched=False) == 20.0
    assert priority_score(10, never_touched=True, open_deals=1, open_quotes=2) == 20 + 15 + 10 + 16


def test_priority_score_caps() -> None:
    assert priority_score(500, never_touched=False) == 120.0
    assert priority_score(0, never_touched=False, open_deals=9, open_quotes=9) == 30 + 24
    assert priority_score(-5, never_touched=False, open_deals=-1) == 0.0


def test_select_next_orders_by_score_then_days_then_id() -> None:
    cands = [
        TouchCandidate(contact_id="b", days_overdue=5, score=10),
        TouchCandidate(contact_id="a", days_overdue=5, score=10),
        TouchCandidate(contact_id="c", days_overdue=9, score=10),
        TouchCandidate(contact_id="d", days_overdue=1, score=50),
    ]
    assert [c.contact_id for c in select_next(cands, 10)] == ["d", "c", "a", "b"]
    assert [c.contact_id for c in select_next(reversed(cands), 2)] == ["d", "c"]


def test_select_next_limit() -> None:
    cands = [TouchCandidate(contact_id=str(i), score=i) for i in range(5)]
    assert select_next(cands, 0) == []
    with pytest.raises(ValueError):
        select_next(cands, -1)


def test_compliance_rate() -> None:
    assert compliance_rate(0, 0) == 100.0
    assert compliance_rate(3, 4) == 75.0
    assert compliance_rate(0, 7) == 0.0
    with pytest.raises(ValueError):
        compliance_rate(5, 4)


def test_touch_resets_the_clock() -> None:
    overdue = clock_state(None, since=NOW - timedelta(days=40), now=NOW)
    s = touch(overdue, NOW)
    assert s == ClockState(NOW, NOW + WINDOW, "compliant", 0)
    assert touch(None, NOW).next_due_at == NOW + WINDOW


def test_older_touch_does_not_move_the_clock_back() -> None:
    current = touch(None, NOW)
    s = touch(current, NOW - timedelta(days=5))
    assert s.last_touch_at == NOW and s.next_due_at == NOW + WINDOW
