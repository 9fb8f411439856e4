"""Finished operations' status views, per worker process (issue 17, API reads: a repeat read of
a finished operation's status needs no database round trip).

- **Key:** ``(tenant, operation id)``, the tenant from the VERIFIED token (``Principal``). The
  authz guard (the matrix) and the rate-limit hook run before the handler reads it, so authorization
  still comes before lookup; a cached view is only ever handed to its own tenant.
- **Filled** only with a view read from Postgres for a terminal status (completed, failed,
  cancelled): never with a running operation's live state, a stale fallback or a 404.
- **Why it may be cached:** a finished record does not change; nothing updates a terminal row
  (``mark_ended`` only touches unended ones). Two things can still remove data a view shows: an
  erasure (schema/repositories/subject_data.py deletes the row) and retention or tombstoning of
  audit rows (the last screenshot's row). The cache cannot hear about either in another process
  or replica, so each entry lives at most ``api.status_cache_ttl_s`` (default 30 s): that is how
  long such a change can stay unseen by a status read.
- **Refreshed ahead:** a read in the last :data:`REFRESH_SHARE` of an entry's life gets the
  cached view and starts one background re-read (``refresh``: the caller's Postgres read), which
  replaces the entry, or drops it when the row is gone or no longer terminal or the read fails.
  A hot entry then never expires under its readers (bench/api_reads.py: 200 entries expiring
  together put 200 reads at the start of one round, each awaited by a client); a view served is
  still at most ``ttl_s`` (plus one read's duration) old since its read.
- **Bounded:** at most ``api.status_cache_size`` entries; the least recently used goes first.
  One event loop per process reads and writes it, with no await in between: no lock needed.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

import structlog

from api.schemas.operations import OperationView

log = structlog.get_logger(__name__)

Key = tuple[str, str]
Reread = Callable[[], Awaitable[OperationView | None]]
REFRESH_SHARE = 0.2
"""The last share of an entry's ``ttl_s`` in which a read starts its background re-read."""


class StatusCache:
    """A TTL + LRU map ``(tenant, op_id) -> OperationView``; ``size=0`` keeps nothing."""

    def __init__(self, size: int, ttl_s: float) -> None:
        self.size, self.ttl_s = size, ttl_s
        self._items: OrderedDict[Key, tuple[float, OperationView]] = OrderedDict()
        self._refreshing: dict[Key, asyncio.Task[None]] = {}

    def get(self, tenant_id: str, op_id: str, refresh: Reread | None = None) -> OperationView | None:
        """The cached view, or None when absent or older than ``ttl_s``. With ``refresh``, a read
        in the entry's last :data:`REFRESH_SHARE` of life starts its one background re-read."""
        key = (tenant_id, op_id)
        found = self._items.get(key)
        if found is None:
            return None
        expires, view = found
        now = time.monotonic()
        if now >= expires:
            del self._items[key]
            return None
        self._items.move_to_end(key)
        if (
            refresh is not None
            and now >= expires - self.ttl_s * REFRESH_SHARE
            and key not in self._refreshing
        ):
            self._refreshing[key] = asyncio.get_running_loop().create_task(self._reread(key, refresh))
        return view

    async def _reread(self, key: Key, refresh: Reread) -> None:
        try:
            view = await refresh()
        except Exception:  # noqa: BLE001 - the entry goes; the next read asks Postgres itself
            log.warning("status cache: re-read failed", exc_info=True)
            view = None
        finally:
            self._refreshing.pop(key, None)
        if view is None:
            self._items.pop(key, None)
        else:
            self.put(*key, view)

    def put(self, tenant_id: str, op_id: str, view: OperationView) -> None:
        """Keep ``view`` (a finished operation's, read from Postgres) for ``ttl_s`` seconds."""
        if self.size <= 0 or self.ttl_s <= 0:
            return
        self._items[(tenant_id, op_id)] = (time.monotonic() + self.ttl_s, view)
        self._items.move_to_end((tenant_id, op_id))
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
