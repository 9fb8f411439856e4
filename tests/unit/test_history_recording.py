"""tests/histories.py: a recorded history is named after its test and never overwrites one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import histories


class FakeHistory:
    def __init__(self, kind: str, marker: str) -> None:
        self.text = json.dumps(
            {
                "events": [
                    {"workflowExecutionStartedEventAttributes": {"workflowType": {"name": kind}}},
                    {"marker": marker},
                ]
            }
        )

    def to_json(self) -> str:
        return self.text


class FakeHandle:
    def __init__(self, kind: str, marker: str) -> None:
        self.history = FakeHistory(kind, marker)

    async def fetch_history(self) -> FakeHistory:
        return self.history


async def test_recording_is_off_unless_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(histories, "HISTORIES", tmp_path)
    monkeypatch.delenv("OMNIOPS_RECORD_HISTORIES", raising=False)
    assert await histories.record(FakeHandle("Quote", "a")) is None
    assert list(tmp_path.iterdir()) == []


async def test_a_history_is_named_after_its_test_and_never_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(histories, "HISTORIES", tmp_path)
    monkeypatch.setenv("OMNIOPS_RECORD_HISTORIES", "1")
    first = await histories.record(FakeHandle("Quote", "first"))
    second = await histories.record(FakeHandle("Quote", "second"))
    scenario = await histories.record(FakeHandle("ComplianceRun", "third"), "first_page")
    name = "a_history_is_named_after_its_test_and_never_overwritten"
    assert first == tmp_path / f"quote-{name}.json"
    assert second == tmp_path / f"quote-{name}~2.json"
    assert scenario == tmp_path / f"compliance-{name}--first_page.json"
    assert '"first"' in first.read_text() and '"second"' in second.read_text()
    for path in (first, second, scenario):
        assert histories.named_test(path.stem) == f"test_{name}"


def test_a_legacy_copy_maps_like_its_original() -> None:
    original = "cycle-blocked_and_deferred"
    assert histories.legacy_test(f"{original}~2") == histories.legacy_test(original) is not None
