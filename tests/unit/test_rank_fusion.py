"""Reciprocal rank fusion (core/rank_fusion.py, issue 14 item 4)."""

from __future__ import annotations

import pytest

from core.rank_fusion import RRF_K, rrf


def test_an_item_in_both_lists_beats_items_in_one() -> None:
    fused = rrf([["a", "b", "c"], ["c", "d", "a"]])
    assert [f.key for f in fused] == ["a", "c", "b", "d"]
    a = fused[0]
    assert a.ranks == (1, 3)
    assert a.score == pytest.approx(1 / (RRF_K + 1) + 1 / (RRF_K + 3))
    assert fused[2].ranks == (2, None) and fused[3].ranks == (None, 2)


def test_scores_follow_the_constant_and_single_lists_keep_their_order() -> None:
    fused = rrf([["x", "y"]], k=10)
    assert [(f.key, f.score, f.ranks) for f in fused] == [("x", 1 / 11, (1,)), ("y", 1 / 12, (2,))]
    assert rrf([[], []]) == []
    assert [f.key for f in rrf([[], ["p", "q"]])] == ["p", "q"]


def test_ties_break_by_best_rank_then_first_appearance() -> None:
    fused = rrf([["a", "b"], ["b", "a"]])
    assert fused[0].score == fused[1].score
    assert [f.key for f in fused] == ["a", "b"]  # both have best rank 1: first seen wins
    # k=1: q at ranks (3, 3) scores 1/4 + 1/4 = 1/2, the same as x (1, -) and p (-, 1); q is seen
    # before p but its best rank is worse
    fused = rrf([["x", "y", "q"], ["p", "z", "q"]], k=1)
    assert [f.key for f in fused] == ["x", "p", "q", "y", "z"]
    assert fused[2].score == fused[0].score == 0.5


def test_a_duplicate_within_a_list_counts_once_at_its_first_rank() -> None:
    fused = rrf([["a", "a", "b"]])
    assert [(f.key, f.ranks) for f in fused] == [("a", (1,)), ("b", (3,))]


def test_limit_and_bad_arguments() -> None:
    assert [f.key for f in rrf([["a", "b", "c"]], limit=2)] == ["a", "b"]
    assert rrf([["a"]], limit=0) == []
    with pytest.raises(ValueError, match="k must"):
        rrf([["a"]], k=0)
    with pytest.raises(ValueError, match="limit"):
        rrf([["a"]], limit=-1)
