"""The per-key matrix cache's invalidation and bounds (core/matrix_cache.py, issue 14 item 4)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from core.matrix_cache import MatrixCache


@dataclass(frozen=True)
class Blob:
    name: str
    nbytes: int


class Loader:
    """Counts loads; each returns a new Blob of ``size`` bytes."""

    def __init__(self, size: int = 10) -> None:
        self.size, self.calls = size, 0

    def __call__(self) -> Blob:
        self.calls += 1
        return Blob(f"v{self.calls}", self.size)


def test_same_generation_hits_and_a_new_generation_reloads() -> None:
    cache: MatrixCache[Blob] = MatrixCache(max_bytes=100, max_entries=4)
    load = Loader()
    first = cache.get("t1", (3, "2026-01-01"), load)
    assert cache.get("t1", (3, "2026-01-01"), load) is first and load.calls == 1
    second = cache.get("t1", (4, "2026-01-02"), load)  # a document completed
    assert second is not first and load.calls == 2
    assert cache.get("t1", (4, "2026-01-02"), load) is second
    third = cache.get("t1", (3, "2026-01-01"), load)  # going back is a change too (a delete)
    assert third.name == "v3" and cache.nbytes == 10 and len(cache) == 1
    assert (cache.stats.hits, cache.stats.loads) == (2, 3)


def test_keys_are_separate() -> None:
    cache: MatrixCache[Blob] = MatrixCache(max_bytes=100, max_entries=4)
    a, b = Loader(), Loader()
    va, vb = cache.get("A", 1, a), cache.get("B", 1, b)
    assert cache.peek("A") is va and cache.peek("B") is vb and va is not vb
    cache.invalidate("A")
    assert cache.peek("A") is None and cache.peek("B") is vb
    cache.get("A", 1, a)
    assert a.calls == 2 and b.calls == 1


def test_least_recently_used_is_evicted_by_bytes_and_by_count() -> None:
    cache: MatrixCache[Blob] = MatrixCache(max_bytes=25, max_entries=10)
    for key in ("a", "b"):
        cache.get(key, 1, Loader(10))
    cache.get("a", 1, Loader(10))  # a is now the most recent
    cache.get("c", 1, Loader(10))  # 30 > 25: b goes
    assert cache.peek("b") is None and cache.peek("a") and cache.peek("c")
    assert cache.nbytes == 20 and cache.stats.evictions == 1

    counted: MatrixCache[Blob] = MatrixCache(max_bytes=1000, max_entries=2)
    for key in ("x", "y", "z"):
        counted.get(key, 1, Loader(1))
    assert counted.peek("x") is None and len(counted) == 2


def test_a_value_larger_than_the_budget_is_returned_but_not_kept() -> None:
    cache: MatrixCache[Blob] = MatrixCache(max_bytes=5, max_entries=2)
    load = Loader(10)
    assert cache.get("big", 1, load).nbytes == 10
    assert cache.peek("big") is None and cache.nbytes == 0
    cache.get("big", 1, load)
    assert load.calls == 2  # every call loads: the cache is off for it


def test_a_reload_replaces_the_old_value_s_bytes() -> None:
    cache: MatrixCache[Blob] = MatrixCache(max_bytes=100, max_entries=2)
    cache.get("a", 1, Loader(40))
    cache.get("a", 2, Loader(30))
    assert cache.nbytes == 30 and len(cache) == 1


def test_a_failed_load_stores_nothing_and_keeps_the_old_entry_out() -> None:
    cache: MatrixCache[Blob] = MatrixCache(max_bytes=100, max_entries=2)
    cache.get("a", 1, Loader())

    def boom() -> Blob:
        raise RuntimeError("db down")

    with pytest.raises(RuntimeError):
        cache.get("a", 2, boom)
    assert cache.get("a", 1, Loader()).name == "v1"  # generation 1 is still what is stored
    assert cache.stats.loads == 1


def test_concurrent_misses_on_one_key_load_once() -> None:
    cache: MatrixCache[Blob] = MatrixCache(max_bytes=100, max_entries=2)
    gate, load = threading.Event(), Loader()

    def slow() -> Blob:
        gate.wait(5)
        return load()

    results: list[Blob] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("a", 1, slow))) for _ in range(4)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(5)
    assert load.calls == 1 and len({id(r) for r in results}) == 1 and len(results) == 4


def test_bad_bounds_are_refused() -> None:
    with pytest.raises(ValueError):
        MatrixCache(max_bytes=-1, max_entries=1)
    with pytest.raises(ValueError):
        MatrixCache(max_bytes=1, max_entries=0)
