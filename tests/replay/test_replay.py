"""Replay every committed workflow history against the current workflow code.

A change that breaks determinism fails here. Histories are recorded (codec-less) by
``OMNIOPS_RECORD_HISTORIES=1 uv run pytest tests/workflows``; re-record only on purpose, and
guard the old path with ``workflow.patched`` while old histories may still be running.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.registry import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_every_workflow_has_committed_histories() -> None:
    recorded = {p.name.split("-")[0] for p in HISTORIES}
    expected = {"operation", "cycle", "fanout", "scheduled", "feedback", "quote", "deal", "compliance"}
    assert expected <= recorded and len(HISTORIES) >= 40


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_replay(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    await Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter).replay_workflow(history)
