"""The hourly alert sweep (issue 17 Build 6) on the time-skipping test server, with a stand-in
``evaluate_alerts``: it pages through the tenants after the last one read until a page is not
full, totals what was evaluated and raised, and a page that fails (Postgres down) is retried
rather than failing the run."""

from __future__ import annotations

import uuid

from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from core import queues
from tests.histories import record
from workflows.alert_sweep import AlertPage, AlertPageResult, AlertSweepResult, AlertSweepWorkflow


async def test_pages_until_a_partial_one_and_a_database_outage_is_retried(
    time_env: WorkflowEnvironment,
) -> None:
    answers = [
        AlertPageResult(evaluated=200, raised=3, last="t-0199", more=True),
        AlertPageResult(evaluated=200, raised=0, last="t-0399", more=True),
        AlertPageResult(evaluated=12, raised=1, last="t-0411", more=False),
    ]
    seen: list[tuple[str, int]] = []

    @activity.defn(name="evaluate_alerts")
    async def evaluate_alerts(page: AlertPage) -> AlertPageResult:
        seen.append((page.after, activity.info().attempt))
        if len(seen) == 2:
            raise RuntimeError("connection refused")  # retried (PATIENT)
        return answers.pop(0)

    async with Worker(
        time_env.client, task_queue=queues.AGENT, workflows=[AlertSweepWorkflow], activities=[evaluate_alerts]
    ):
        handle = await time_env.client.start_workflow(
            AlertSweepWorkflow.run, id=f"alert-sweep-{uuid.uuid4().hex[:6]}", task_queue=queues.AGENT
        )
        result = await handle.result()
    await record(handle)
    assert result == AlertSweepResult(tenants=412, raised=4, pages=3)
    assert seen == [("", 1), ("t-0199", 1), ("t-0199", 2), ("t-0399", 1)]
