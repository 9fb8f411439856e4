"""Real-clock guards for tests whose product code reads the wall clock by the hour (limited_live's
per-hour cap, the scheduled cycle's hour, cycle ids): start them clear of the top of the hour."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def clear_of_the_hour_turn(margin_s: float = 45) -> None:
    """Return with at least ``margin_s`` seconds left before the next top of the hour; when closer
    than that, wait for the hour to turn first (so at most ``margin_s`` seconds, rarely)."""
    now = datetime.now(UTC)
    left = 3600 - (now.minute * 60 + now.second + now.microsecond / 1e6)
    if left < margin_s:
        time.sleep(left + 0.5)
