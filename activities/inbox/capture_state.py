"""The capture's running state (issue 13 Build 2), for :mod:`activities.inbox.sync`: its tally,
the connection status that ends a sync early, and heartbeats on a timer."""

from __future__ import annotations

import time
from dataclasses import dataclass

from temporalio import activity


@dataclass
class Tally:
    """What one ``sync_mailbox_batch`` did so far (its ``SyncBatchResult``'s counts)."""

    fetched: int = 0
    inserted: int = 0
    failed: int = 0
    last_uid: int = 0
    rescanned: bool = False


class SyncStatus(Exception):
    """A connection status (``not_configured``, ``auth_failed``, ...) that ends the sync; the
    message is the tenant-safe reason recorded on the connection."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status


HEARTBEAT_EVERY_S = 5.0
"""Seconds between the capture's heartbeats at most (``workflows.inbox.activities.HEARTBEAT_S``
is 30: a killed worker is still noticed within it)."""


class TimedBeat:
    """Heartbeats on a timer, not per batch: at most one every ``every_s`` seconds (a sync
    activity's heartbeat waits for the worker's event loop; the workflow's timeout is 30 s)."""

    def __init__(self, every_s: float) -> None:
        self.every_s, self._last, self.detail = every_s, 0.0, 0

    def __call__(self, detail: int | None = None, force: bool = False) -> None:
        self.detail = self.detail if detail is None else detail
        if force or time.monotonic() - self._last >= self.every_s:
            activity.heartbeat(self.detail)
            self._last = time.monotonic()
