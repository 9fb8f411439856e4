"""Per-operation keyrings for screenshots and checkpoints (issue 16 Build 3: crypto-shredding).

Key granularity: every autonomous operation's blobs (``{tenant}/{operation uuid}/...``: masked
step screenshots, the session checkpoint) are sealed with that operation's own keyring in Vault,
``keys/tenants/{tenant}/operations/{operation}`` (KV v2, created on first use, race-safe like the
tenant keyrings in core/keys.py). An operation belongs to one data subject (``user_id``), so
erasing a subject deletes the keyrings of the subject's operations, and erasing a tenant deletes
all of them with the tenant's payload keyring: the ciphertext left anywhere (object store copies,
backups) no longer decrypts. Documents and raw inbound mail keep the tenant keyring
(core/document_store.py, core/mail_store.py): they are shredded with the tenant.

:class:`OperationKeyrings` is the object store's resolver (core/objectstore.py ``scoped``):
``for_seal`` creates the operation's keyring, ``for_open`` only reads it (a shredded keyring is
never re-created by a read). Reads for opening are cached ``ttl_s`` seconds per process. A keyring
this process sealed with keeps sealing without a Vault round trip until ``hold_s`` (1 h) of disuse:
an operation's keyring never changes once made, so a step's screenshot or checkpoint needs no live
Vault (a Vault outage mid-operation no longer stalls the step; issue 17 Build 7), and a blob sealed
after a shredding is as unreadable as the rest.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from core.crypto import Keyring
from core.keys import KeyStore, ensure_keyring_at, read_keyring

_OP_KEY = re.compile(
    r"^(?P<t>[a-z0-9][a-z0-9-]{0,62})/(?P<op>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/"
)


def operation_keyring_path(tenant: str, operation_id: str) -> str:
    """``keys/tenants/{tenant}/operations/{operation uuid}``."""
    return f"keys/tenants/{tenant}/operations/{operation_id}"


def operations_folder(tenant: str) -> str:
    """The Vault folder that lists a tenant's operation keyrings."""
    return f"keys/tenants/{tenant}/operations/"


def operation_of(object_key: str) -> tuple[str, str] | None:
    """``(tenant, operation)`` of an object key ``{tenant}/{operation uuid}/...``; None for others."""
    m = _OP_KEY.match(object_key)
    return (m["t"], m["op"]) if m else None


class OperationKeyrings:
    def __init__(
        self,
        store: KeyStore,
        ttl_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        hold_s: float = 3600.0,
    ) -> None:
        self._store, self._ttl, self._clock, self._hold = store, ttl_s, clock, hold_s
        self._cache: dict[str, tuple[float, Keyring]] = {}  # path -> (last sealed or read, ring)

    def _cached(self, path: str, max_age_s: float) -> Keyring | None:
        hit = self._cache.get(path)
        return hit[1] if hit is not None and self._clock() - hit[0] < max_age_s else None

    def for_seal(self, object_key: str) -> Keyring | None:
        """The keyring that seals ``object_key`` (created if absent); None: not an operation's blob."""
        scope = operation_of(object_key)
        if scope is None:
            return None
        path, now = operation_keyring_path(*scope), self._clock()
        ring = self._cached(path, self._hold)
        if ring is None:  # a Vault round trip anyway: drop what went unused for hold_s
            self._cache = {p: h for p, h in self._cache.items() if now - h[0] < self._hold}
            ring = ensure_keyring_at(self._store, path)
        self._cache[path] = (now, ring)
        return ring

    def for_open(self, object_key: str, kid: str) -> Keyring | None:
        """The operation's keyring if it holds ``kid`` (re-read once when the cached copy does
        not); None when it does not exist (never made, or shredded)."""
        scope = operation_of(object_key)
        if scope is None:
            return None
        path = operation_keyring_path(*scope)
        ring = self._cached(path, self._ttl)
        if ring is None or kid not in ring.keys:
            ring = read_keyring(self._store, path)
            if ring is None:
                self._cache.pop(path, None)
                return None
            self._cache[path] = (self._clock(), ring)
        return ring if kid in ring.keys else None
