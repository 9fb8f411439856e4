"""Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009), the fusion of hybrid
document search (issue 14 item 4, seed 004 P1.1 "text plus semantic search").

Pure: no I/O, no clock. A hit at 1-based rank ``r`` in a list adds ``1 / (k + r)`` to its score;
``k`` is 60 by default (the paper's constant, ``search.rrf_k``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

RRF_K = 60


@dataclass(frozen=True)
class Fused(Generic[K]):
    """One fused item: its ``key``, ``score`` (sum of ``1/(k + rank)``) and its 1-based rank in
    each input list (None where it is absent), in the order the lists were given."""

    key: K
    score: float
    ranks: tuple[int | None, ...]


def rrf(lists: Sequence[Sequence[K]], *, k: int = RRF_K, limit: int | None = None) -> list[Fused[K]]:
    """Fuse ranked ``lists`` (best first; a key repeated within one list counts at its first
    rank). Best first; ties broken by the best single rank, then by first appearance (stable, so
    the result is deterministic). ``limit`` keeps the first ``limit``.

    Raises ValueError when ``k`` < 1 or ``limit`` < 0."""
    if k < 1:
        raise ValueError("k must be at least 1")
    if limit is not None and limit < 0:
        raise ValueError("limit must not be negative")
    ranks: dict[K, list[int | None]] = {}
    for i, ranked in enumerate(lists):
        for r, key in enumerate(ranked, start=1):
            slot = ranks.setdefault(key, [None] * len(lists))
            if slot[i] is None:
                slot[i] = r
    fused = [
        Fused(key, sum(1.0 / (k + r) for r in rs if r is not None), tuple(rs)) for key, rs in ranks.items()
    ]
    order = {key: n for n, key in enumerate(ranks)}
    fused.sort(key=lambda f: (-f.score, min(r for r in f.ranks if r is not None), order[f.key]))
    return fused if limit is None else fused[:limit]
