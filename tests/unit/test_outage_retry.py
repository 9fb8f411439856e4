"""core/outage_retry.py: a call carrying single-use material waits out a transient outage, and
only that (no real sleeps: the waits are recorded)."""

from __future__ import annotations

import pytest
import requests

from core.outage_retry import through_outage


class Flaky:
    def __init__(self, failures: list[BaseException]) -> None:
        self.failures, self.calls = failures, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "written"


def test_a_transient_outage_is_waited_out_with_growing_backoff_and_a_heartbeat_per_wait() -> None:
    call = Flaky([requests.ConnectionError("refused")] * 3)
    waits: list[float] = []
    beats: list[int] = []
    out = through_outage(call, budget_s=60, on_wait=lambda: beats.append(1), sleep=waits.append)
    assert out == "written" and call.calls == 4
    assert len(beats) == 3 and waits == sorted(waits) and waits[0] < waits[-1] <= 5


def test_a_permanent_error_is_raised_at_once() -> None:
    call = Flaky([ValueError("bad template")])
    waits: list[float] = []
    with pytest.raises(ValueError, match="bad template"):
        through_outage(call, budget_s=60, sleep=waits.append)
    assert call.calls == 1 and waits == []


def test_the_last_transient_error_is_raised_once_the_budget_is_spent() -> None:
    calls = 0

    def down() -> str:
        nonlocal calls
        calls += 1
        raise requests.ConnectionError(f"refused {calls}")

    with pytest.raises(requests.ConnectionError, match="refused"):
        through_outage(down, budget_s=0.05, sleep=lambda s: None)
    assert calls > 1
