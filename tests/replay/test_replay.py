"""Replay every committed workflow history against the current workflow code.

A change that breaks determinism fails here. Histories are recorded (codec-less) with
``OMNIOPS_RECORD_HISTORIES=1 uv run pytest tests/workflows/...`` through tests/histories.py, which
never overwrites one: histories are append-only (tests/replay/test_histories.py). Guard a changed
path with ``workflow.patched`` while old histories may still be running, and record new ones beside.
Histories in ``histories/retired/`` are not replayed: they are those of patches a workflow type
dropped after every start of it was bounded by an ``execution_timeout`` (the rule in
tests/replay/manifest.py and the README's "Replay and versioning"; the cycle:
:data:`workflows.cycle.hours.CYCLE_BOUND`).

All histories replay through ONE replayer worker (:func:`replayed`), so the registered workflows are
validated in the strict sandbox once per run rather than once per history: the SDK's sandbox import
validation has a rare, known flake (temporalio/sdk-python#585, "Failed validating workflow ...")
that 117 separate validations of every workflow type hit in CI once (stop 24); each history still
reports as its own test.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from tests.histories import HISTORIES as HISTORY_DIR
from tests.histories import workflow_type
from workflows.registry import WORKFLOWS

HISTORIES = sorted(HISTORY_DIR.glob("*.json"))
REGISTERED = {workflow._Definition.must_from_class(cls).name for cls in WORKFLOWS}


def recorded_types() -> dict[str, list[str]]:
    """Workflow type (from each history's first event) -> the history files of that type."""
    types: dict[str, list[str]] = {}
    for path in HISTORIES:
        types.setdefault(workflow_type(json.loads(path.read_text())), []).append(path.name)
    return types


def test_every_registered_workflow_has_a_committed_history() -> None:
    missing = sorted(REGISTERED - recorded_types().keys())
    assert not missing, (
        f"registered workflow types with no history in {HISTORY_DIR}: {missing}; record one with "
        "OMNIOPS_RECORD_HISTORIES=1 (tests/histories.py)"
    )


def test_every_history_is_of_a_registered_workflow() -> None:
    unknown = {t: names for t, names in recorded_types().items() if t not in REGISTERED}
    assert not unknown, f"histories of workflow types not in workflows/registry.py: {unknown}"


@pytest.fixture(scope="module")
async def replayed() -> dict[str, BaseException | None]:
    """History file stem -> its replay failure (None when it replayed), all through one worker."""
    replayer = Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter)
    histories = [WorkflowHistory.from_json(p.stem, p.read_text()) for p in HISTORIES]

    async def each() -> AsyncIterator[WorkflowHistory]:
        for history in histories:
            yield history

    outcome: dict[str, BaseException | None] = {}
    async with replayer.workflow_replay_iterator(each()) as results:
        async for result in results:
            outcome[result.history.workflow_id] = result.replay_failure
    return outcome


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
def test_replay(path: Path, replayed: dict[str, BaseException | None]) -> None:
    assert path.stem in replayed, f"{path.name} was never replayed"
    failure = replayed[path.stem]
    if failure is not None:
        raise AssertionError(f"{path.name} does not replay: {failure!r}") from failure
