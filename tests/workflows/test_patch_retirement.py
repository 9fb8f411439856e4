"""What this SDK does for ``workflow.patched``, ``workflow.deprecate_patch`` and a removed call
(issue 17: the rule for retiring patches, README "Tests"), on the real dev server.

sdk-core's patch machine (``core/src/worker/workflow/machines/patch_state_machine.rs``): a new run
records the marker AND upserts ``TemporalChangeVersion`` under ``patched`` and ``deprecate_patch``
alike (the marker is only flagged ``deprecated``); a removed call records neither. On replay a
non-deprecated marker with no call is a nondeterminism error; a deprecated one is skipped. So
``deprecate_patch`` saves no per-run cost, and removing the call breaks every history recorded
with the marker: those histories are retired (tests/replay/histories/retired/). Not recorded as
replay histories: the three stand-in types are not in workflows/registry.py.
"""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, Worker


@workflow.defn(name="PatchProbe")
class Patched:
    @workflow.run
    async def run(self) -> str:
        return "new" if workflow.patched("probe") else "old"


@workflow.defn(name="PatchProbe")
class Deprecated:
    @workflow.run
    async def run(self) -> str:
        workflow.deprecate_patch("probe")
        return "new"


@workflow.defn(name="PatchProbe")
class Removed:
    @workflow.run
    async def run(self) -> str:
        return "new"


SHAPES = {"patched": Patched, "deprecated": Deprecated, "removed": Removed}


async def _run(client: Client, cls: type) -> WorkflowHistory:
    queue = f"probe-{uuid.uuid4()}"
    async with Worker(client, task_queue=queue, workflows=[cls], workflow_runner=UnsandboxedWorkflowRunner()):
        wid = f"probe-{uuid.uuid4().hex[:8]}"
        handle = await client.start_workflow("PatchProbe", id=wid, task_queue=queue)
        await handle.result()
    return await handle.fetch_history()


def _costs(history: WorkflowHistory) -> tuple[int, int]:
    """(patch markers, search-attribute upserts) in ``history``."""
    kinds = Counter(e.event_type for e in history.events)
    upserts = kinds[EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]
    return kinds[EventType.EVENT_TYPE_MARKER_RECORDED], upserts


async def _replays(history: WorkflowHistory, cls: type) -> bool:
    result = await Replayer(workflows=[cls], workflow_runner=UnsandboxedWorkflowRunner()).replay_workflow(
        history, raise_on_replay_failure=False
    )
    return result.replay_failure is None


@pytest.fixture(scope="module")
async def histories(temporal_client: Client) -> dict[str, WorkflowHistory]:
    return {name: await _run(temporal_client, cls) for name, cls in SHAPES.items()}


async def test_deprecate_patch_still_costs_the_marker_and_the_upsert_and_removing_the_call_costs_neither(
    histories: dict[str, WorkflowHistory],
) -> None:
    assert {name: _costs(h) for name, h in histories.items()} == {
        "patched": (1, 1),
        "deprecated": (1, 1),
        "removed": (0, 0),
    }


async def test_a_removed_call_fails_only_the_histories_recorded_with_a_live_marker(
    histories: dict[str, WorkflowHistory],
) -> None:
    pairs = [(rec, code) for rec in histories for code in SHAPES]
    replays = {(rec, code): await _replays(histories[rec], SHAPES[code]) for rec, code in pairs}
    assert [pair for pair, ok in replays.items() if not ok] == [("patched", "removed")]
