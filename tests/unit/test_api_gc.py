"""api/gc_tuning.py: what start-up leaves alive is frozen out of collections (issue 17, p99)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from api.gc_tuning import freeze_after_startup
from core.api_settings import ApiServerSettings


@pytest.fixture
def gc_state() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("gc_state")
def test_startup_objects_are_frozen_and_gen0_threshold_applied() -> None:
    kept = [object() for _ in range(10)]  # alive at "start-up"
    freeze_after_startup(ApiServerSettings(gc_gen0_threshold=5000))
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold()[0] == 5000


@pytest.mark.usefixtures("gc_state")
def test_off_leaves_the_collector_alone() -> None:
    before = gc.get_threshold()
    freeze_after_startup(ApiServerSettings(gc_freeze=False, gc_gen0_threshold=5000))
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
