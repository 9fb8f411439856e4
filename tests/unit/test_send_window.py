"""A campaign's send window (seed 004 P1.2): hour math, wrapping past midnight, and the policy rule
that defers a broadcast batch to the window's next hour."""

from __future__ import annotations

import pytest

from workflows.cycle.actions import ActionKind, PolicyFacts, ProposedAction
from workflows.cycle.policy import evaluate
from workflows.cycle.send_window import in_window, next_window_hour, send_window_rule


def test_a_daytime_window_is_start_inclusive_end_exclusive() -> None:
    assert [h for h in range(24) if in_window(h, 9, 17)] == list(range(9, 17))


def test_a_window_wraps_past_midnight() -> None:
    assert [h for h in range(24) if in_window(h, 22, 3)] == [0, 1, 2, 22, 23]
    assert [h for h in range(24) if in_window(h, 23, 0)] == [23]


def test_no_window_or_equal_bounds_mean_every_hour() -> None:
    assert all(in_window(h, None, None) and in_window(h, 5, None) and in_window(h, 8, 8) for h in range(24))


def test_hours_outside_the_day_are_refused() -> None:
    for bad in ((24, 1, 2), (1, -1, 2), (1, 2, 25)):
        with pytest.raises(ValueError, match="not in 0-23"):
            in_window(*bad)


def test_the_next_window_hour_is_later_today_tomorrow_or_just_the_next_hour() -> None:
    assert next_window_hour("2026112207", 9, 17) == "2026112209"
    assert next_window_hour("2026112217", 9, 17) == "2026112309"  # closed for the day
    assert next_window_hour("2026112210", 9, 17) == "2026112211"  # inside: the next hour
    assert next_window_hour("2026112220", 22, 3) == "2026112222"
    assert next_window_hour("2026112203", 22, 3) == "2026112222"
    assert next_window_hour("2026123123", 1, 2) == "2027010101"  # across the year
    assert next_window_hour("2026112205", None, None) == "2026112206"


def batch(kind: ActionKind = ActionKind.SEND_BROADCAST_BATCH) -> ProposedAction:
    return ProposedAction(key="t:2026112207:broadcast:c1", kind=kind, target_type="campaign", target_id="c1")


def test_a_batch_outside_its_window_is_deferred_to_the_next_opening_naming_both() -> None:
    d = evaluate(batch(), PolicyFacts(send_window=(22, 3), hour="2026112207"))
    assert (d.verdict, d.rule) == ("defer", "send_window")
    assert d.reason == "outside the campaign's send window 22:00-03:00 UTC; deferred to hour 2026112222"


def test_a_batch_inside_its_window_or_without_one_is_allowed() -> None:
    assert evaluate(batch(), PolicyFacts(send_window=(22, 3), hour="2026112201")).allowed
    assert evaluate(batch(), PolicyFacts(send_window=None, hour="2026112207")).allowed
    assert evaluate(batch(), PolicyFacts(send_window=(22, 3), hour=None)).allowed


def test_the_window_concerns_broadcast_batches_only() -> None:
    a = batch(ActionKind.CONTACT_DISCOVERY)
    assert send_window_rule(a, PolicyFacts(send_window=(22, 3), hour="2026112207")) is None
