"""A bounded in-process cache of per-key matrices with a generation check (issue 14 item 4: the
per-tenant embedding matrices of semantic document search; generic, so it knows no tenant or SQL).

- :meth:`MatrixCache.get` ``(key, generation, load)`` returns the cached value when its stored
  generation equals ``generation`` (compared with ``==``), otherwise calls ``load()`` (outside the
  cache's lock; one load per key at a time, so concurrent misses load once) and stores the result.
  The caller computes ``generation`` cheaply from the source of truth on every call, so a stale
  entry is never returned for a generation the caller has seen.
- Bounded memory: least recently used entries are evicted while the stored values' ``nbytes``
  sum exceeds ``max_bytes`` or there are more than ``max_entries``. A value larger than
  ``max_bytes`` on its own is returned but not kept.
- Thread-safe (the API runs repository calls on worker threads).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


class Sized(Protocol):
    @property
    def nbytes(self) -> int: ...


V = TypeVar("V", bound=Sized)


@dataclass
class _Entry(Generic[V]):
    generation: Hashable
    value: V


@dataclass
class CacheStats:
    hits: int = 0
    loads: int = 0
    evictions: int = 0


class MatrixCache(Generic[V]):
    """LRU over keys, bounded by ``max_bytes`` (sum of values' ``nbytes``) and ``max_entries``."""

    def __init__(self, max_bytes: int, max_entries: int) -> None:
        if max_bytes < 0 or max_entries < 1:
            raise ValueError("max_bytes must be >= 0 and max_entries >= 1")
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self.stats = CacheStats()
        self._entries: OrderedDict[Hashable, _Entry[V]] = OrderedDict()
        self._loading: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self._bytes = 0

    def _fresh(self, key: Hashable, generation: Hashable) -> V | None:
        """The value if stored for ``generation`` (and marks it recently used); under the lock."""
        entry = self._entries.get(key)
        if entry is None or entry.generation != generation:
            return None
        self._entries.move_to_end(key)
        self.stats.hits += 1
        return entry.value

    def get(self, key: Hashable, generation: Hashable, load: Callable[[], V]) -> V:
        """The value of ``key`` at ``generation``, loading it with ``load()`` on a miss or a
        generation change. Exceptions from ``load`` propagate and store nothing."""
        with self._lock:
            value = self._fresh(key, generation)
            if value is not None:
                return value
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                value = self._fresh(key, generation)  # another thread loaded it meanwhile
            if value is not None:
                return value
            try:
                value = load()
            finally:
                with self._lock:
                    self._loading.pop(key, None)  # bounded: a lock per key only while loading
            with self._lock:
                self.stats.loads += 1
                self._store(key, generation, value)
            return value

    def _store(self, key: Hashable, generation: Hashable, value: V) -> None:
        self._drop(key)
        if value.nbytes > self.max_bytes:
            return
        self._entries[key] = _Entry(generation, value)
        self._bytes += value.nbytes
        while self._bytes > self.max_bytes or len(self._entries) > self.max_entries:
            oldest = next(iter(self._entries))
            self._drop(oldest)
            self.stats.evictions += 1

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry.value.nbytes

    def peek(self, key: Hashable) -> V | None:
        """The stored value of ``key`` whatever its generation (inspection and tests)."""
        with self._lock:
            entry = self._entries.get(key)
            return None if entry is None else entry.value

    def invalidate(self, key: Hashable) -> None:
        with self._lock:
            self._drop(key)

    @property
    def nbytes(self) -> int:
        """Bytes of the stored values."""
        with self._lock:
            return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
