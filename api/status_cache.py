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
- **Kept encoded:** each entry holds the view and its JSON body, encoded once when kept, exactly
  as Litestar encodes the view (``model_dump(mode="json")``, then msgspec): the status route
  answers a kept view with those bytes (issue 17: encoding it was a twentieth of the request).
- **Bounded:** at most ``api.status_cache_size`` entries; the least recently used goes first.
  One event loop per process reads and writes it, with no await in between: no lock needed.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from litestar.serialization import encode_json

from api.schemas.operations import OperationView

Key = tuple[str, str]


def json_of(view: OperationView) -> bytes:
    """``view``'s JSON body, the bytes Litestar's pydantic plugin and msgspec would send."""
    return encode_json(view.model_dump(mode="json"))


class StatusCache:
    """A TTL + LRU map ``(tenant, op_id) -> OperationView``; ``size=0`` keeps nothing."""

    def __init__(self, size: int, ttl_s: float) -> None:
        self.size, self.ttl_s = size, ttl_s
        self._items: OrderedDict[Key, tuple[float, OperationView, bytes]] = OrderedDict()

    def get(self, tenant_id: str, op_id: str) -> OperationView | None:
        """The cached view, or None when absent or older than ``ttl_s``."""
        found = self._entry(tenant_id, op_id)
        return found[1] if found else None

    def body(self, tenant_id: str, op_id: str) -> bytes | None:
        """The cached view's JSON body (:func:`json_of`), or None when absent or expired."""
        found = self._entry(tenant_id, op_id)
        return found[2] if found else None

    def _entry(self, tenant_id: str, op_id: str) -> tuple[float, OperationView, bytes] | None:
        found = self._items.get((tenant_id, op_id))
        if found is None:
            return None
        if time.monotonic() >= found[0]:
            del self._items[(tenant_id, op_id)]
            return None
        self._items.move_to_end((tenant_id, op_id))
        return found

    def put(self, tenant_id: str, op_id: str, view: OperationView) -> None:
        """Keep ``view`` (a finished operation's, read from Postgres) for ``ttl_s`` seconds."""
        if self.size <= 0 or self.ttl_s <= 0:
            return
        self._items[(tenant_id, op_id)] = (time.monotonic() + self.ttl_s, view, json_of(view))
        self._items.move_to_end((tenant_id, op_id))
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
