"""UTC hour keys (``yyyymmddhh``): the cycle lock's suffix and the rate-limit window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def hour_key(at: datetime) -> str:
    """``2026-11-21T22:04Z`` -> ``2026112122`` (naive datetimes are taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y%m%d%H")


def hour_start(key: str) -> datetime:
    """The hour's first instant, tz-aware UTC. Raises ValueError for a malformed key."""
    return datetime.strptime(key, "%Y%m%d%H").replace(tzinfo=UTC)


def next_hour(key: str) -> str:
    return hour_key(hour_start(key) + timedelta(hours=1))


CYCLE_BOUND = timedelta(hours=1)
"""The ``execution_timeout`` of every start of a cycle (``TenantCycle``, and the schedule's
``ScheduledCycle`` that waits for it): the hourly schedule, the fan-out's children and the manual
"run now". Cycles are hourly: a run still going after an hour overlaps the next hour's cycle
(which the tenant lock would skip), and its own worst case (a 60 s DB step's 5 attempts, a 120 s
plan, each email's 8 attempts) is minutes per step. Temporal ends a run at the bound, so one
bound after a deploy no run of an older code shape exists: the rule that lets the cycle retire
its patches (README "Replay and versioning", tests/replay/test_histories.py). A run ended by the
bound leaves its run record ``running``; the next cycle takes it over once it is older than
``agent.run_stale_after_s`` (3 h, longer than the bound)."""
