"""The hourly alert sweep (issue 17 Build 6) on real Temporal and Postgres: the cycle no longer
raises alerts itself; the sweep evaluates every enabled tenant and raises each alert once per
kind, scope and hour (a second sweep in the hour adds nothing)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import Client, ScheduleActionExecutionStartWorkflow

from core import queues, schedules
from core.temporal import connect
from devstack.stack import Stack
from schema.agent import AgentRun
from schema.platform import AgentAlert
from tests.integration.cycle_helpers import contact, enable, one, rows, run_cycle
from workflows import ids
from workflows.alert_sweep import AlertSweepResult, AlertSweepWorkflow


@pytest.fixture
async def no_scheduled_sweep(agent_stack: Stack) -> AsyncIterator[None]:
    """The stack's own hourly ``alert-sweep`` schedule paused for the test, and any run of it
    finished first: a run at the top of the hour sweeps the test's tenant too, between the steps
    the test counts (it raised the alert before the test's own sweep could)."""
    client = await connect(scoping=ids)
    paused = await schedules.pause(client, ids.ALERT_SWEEP, True, "an alert test is counting")
    if paused:
        desc = await client.get_schedule_handle(ids.ALERT_SWEEP).describe()
        for run in desc.info.running_actions:
            if not isinstance(run, ScheduleActionExecutionStartWorkflow):
                continue
            with contextlib.suppress(Exception):  # its outcome is not this test's
                await client.get_workflow_handle(run.workflow_id).result()
    yield
    if paused:
        await schedules.pause(client, ids.ALERT_SWEEP, False, "the alert test is done")


async def sweep(client: Client) -> AlertSweepResult:
    """One run, under an id of the shape the schedule gives its runs (platform scope). Its time is
    a random second of 2000-2031, never the current hour's: the stack's own ``alert-sweep``
    schedule may be running ``alert-sweep-{this hour}`` at that moment (CI at 10:00:00 once did)."""
    at = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=uuid.uuid4().int % 10**9)
    wid = f"{ids.ALERT_SWEEP}-{at:%Y-%m-%dT%H:%M:%SZ}"
    return await client.execute_workflow(AlertSweepWorkflow.run, id=wid, task_queue=queues.AGENT)


async def test_the_sweep_raises_what_the_cycle_no_longer_does_once_per_hour(
    agent_stack: Stack, tenant: str, no_scheduled_sweep: None
) -> None:
    client = await connect(scoping=ids)
    enable(tenant, max_emails_per_hour=0)  # nobody can be touched: compliance stays at 0%
    for i in range(3):
        contact(tenant, f"c{i}@example.test")
    result = await run_cycle(client, tenant)
    assert result.status == "completed" and one(AgentRun, id=result.run_id).status == "completed"
    assert rows(AgentAlert, scope=tenant) == []  # Reflect no longer evaluates the alert rules

    first = await sweep(client)
    assert first.tenants >= 1 and first.pages >= 1
    assert [a.kind for a in rows(AgentAlert, scope=tenant)] == ["engagement_compliance"]
    await sweep(client)
    assert [a.kind for a in rows(AgentAlert, scope=tenant)] == ["engagement_compliance"]
