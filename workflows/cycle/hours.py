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
