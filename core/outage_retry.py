"""Waiting out a dependency outage inside ONE activity attempt, for the one kind of call a
Temporal retry cannot redo: a call carrying material that exists only in this process's memory.

The case (issue 17 Build 7, noted in stop 24): ``record_credential`` unwraps the extracted
credential from its single-use Vault wrap, then writes it to the tenant's Vault path. If Vault
drops between the two, a retried activity finds the wrap spent and the value gone. So that one
write waits out a transient outage (:func:`core.outages.classify`) here, heartbeating, for a
bounded time; every other call keeps failing fast and leaves the waiting to Temporal's retry
policy (workflows/retry.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential

from core.outages import classify

T = TypeVar("T")


def through_outage(
    call: Callable[[], T],
    *,
    budget_s: float,
    on_wait: Callable[[], None] = lambda: None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``call()``, retried while it fails with a transient dependency error, backing off
    0.5 s doubling to 5 s, for at most ``budget_s`` seconds; ``on_wait`` runs before each wait
    (an activity heartbeat). Raises the last error once the budget is spent, and any permanent
    error at once."""
    retrying = Retrying(
        retry=retry_if_exception(lambda e: classify(e) is not None),
        stop=stop_after_delay(budget_s),
        wait=wait_exponential(multiplier=0.5, max=5),
        before_sleep=lambda _: on_wait(),
        sleep=sleep,
        reraise=True,
    )
    return retrying(call)
