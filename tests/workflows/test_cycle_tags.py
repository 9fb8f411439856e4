"""A cycle tagged at its start upserts only its final status (workflows/cycle/tags.py; issue 17
Build 6): on the real Temporal dev server with the stand-in activities of test_cycle_workflow."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.common import TypedSearchAttributes

from core import search_attributes as sa
from tests.clock import clear_of_the_hour_turn
from tests.histories import record
from tests.workflows.test_cycle_workflow import Fake, act, fake_worker, run_cycle
from workflows.cycle import tags
from workflows.cycle.actions import ActionKind
from workflows.cycle.hours import hour_key
from workflows.cycle.messages import FanoutInput
from workflows.cycle.triggers import CycleFanoutWorkflow
from workflows.ids import cycle_workflow_id


@pytest.fixture
def fake() -> Fake:
    f = Fake(queue=f"test-{uuid.uuid4()}", plan_in_context=True)
    f.actions = [
        act(ActionKind.PROCESS_ORDER, "o1"),
        act(ActionKind.SEND_EMAIL, "c1", to_email="c1@example.test", subject="Hi", body="Hello"),
    ]
    return f


def upserts(history: WorkflowHistory) -> list[set[str]]:
    """The search attribute names of each upsert event, in order."""
    events: list[HistoryEvent] = list(history.events)
    return [
        set(e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields)
        for e in events
        if e.HasField("upsert_workflow_search_attributes_event_attributes")
    ]


async def test_a_cycle_tagged_at_its_start_upserts_only_its_final_status(
    temporal_client: Client, fake: Fake
) -> None:
    tagged = await run_cycle(temporal_client, fake, "tagged", search_attributes=tags.at_start("t1"))
    plain = await run_cycle(temporal_client, fake, "untagged_start_upserts_them", tenant="t2")
    assert tagged.status == plain.status == "completed" and tagged.executed == plain.executed == 2
    tagged_h = await temporal_client.get_workflow_handle(tagged.run_id).fetch_history()
    plain_h = await temporal_client.get_workflow_handle(plain.run_id).fetch_history()
    assert upserts(tagged_h) == [{"Status"}]
    assert upserts(plain_h) == [{"TenantId", "Kind", "Status"}, {"Status"}]  # a start without tags
    assert len(tagged_h.events) == len(plain_h.events) - 1
    for run_id, tenant in ((tagged.run_id, "t1"), (plain.run_id, "t2")):  # both end up tagged alike
        d = await temporal_client.get_workflow_handle(run_id).describe()
        got = d.typed_search_attributes
        assert (got.get(sa.TENANT_ID), got.get(sa.KIND), got.get(sa.STATUS)) == (tenant, "cycle", "completed")


async def test_the_fan_out_starts_its_children_tagged(temporal_client: Client, fake: Fake) -> None:
    tenant = f"g{uuid.uuid4().hex[:6]}"
    fake.tenants = [tenant]
    fake.actions = fake.actions[:1]  # no email: the child sends on the default messaging queue
    clear_of_the_hour_turn()  # the child's id carries the hour the test reads again below
    async with fake_worker(temporal_client, fake):
        hour = hour_key(datetime.now(UTC))
        handle = await temporal_client.start_workflow(
            CycleFanoutWorkflow.run,
            FanoutInput(hour=hour, batch=2, prefix=tenant),
            id=f"fanout-{uuid.uuid4().hex[:6]}",
            task_queue=fake.queue,
        )
        result = await handle.result()
        child = temporal_client.get_workflow_handle(cycle_workflow_id(tenant, hour))
        await record(child, "child")
    assert result.started == 1
    assert upserts(await child.fetch_history()) == [{"Status"}]
    got = (await child.describe()).typed_search_attributes
    assert (got.get(sa.TENANT_ID), got.get(sa.KIND), got.get(sa.STATUS)) == (tenant, "cycle", "completed")


def test_tagged_at_start_needs_all_three_values() -> None:
    assert tags.tagged_at_start(tags.at_start("t1"), "t1")
    assert not tags.tagged_at_start(tags.at_start("t1"), "t2")  # another tenant's tags
    assert not tags.tagged_at_start(TypedSearchAttributes.empty, "t1")
