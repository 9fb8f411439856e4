"""The hourly alert sweep (issue 17 Build 6) on the time-skipping test server, with a stand-in
``evaluate_alerts``: it pages through the tenants after the last one read until a page is not
full, totals what was evaluated and raised, and a page that fails (Postgres down) is retried
rather than failing the run; the tenants with new alerts get them delivered by the sweep itself."""

from __future__ import annotations

import uuid

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from core import queues
from tests.histories import record
from workers.sandbox import workflow_runner
from workflows import ids
from workflows.alert_sweep import AlertPage, AlertPageResult, AlertSweepResult, AlertSweepWorkflow
from workflows.alerts import AlertNotice, AlertsDelivered
from workflows.cycle.messages import TenantRef
from workflows.email import SendEmailInput, SendEmailResult
from workflows.notify.messages import NotifyInput, NotifyPlan
from workflows.notify.workflow import NotifyWorkflow


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
        time_env.client,
        task_queue=queues.AGENT,
        workflows=[AlertSweepWorkflow],
        activities=[evaluate_alerts],
        workflow_runner=workflow_runner(),
    ):
        handle = await time_env.client.start_workflow(
            AlertSweepWorkflow.run, id=f"alert-sweep-{uuid.uuid4().hex[:6]}", task_queue=queues.AGENT
        )
        result = await handle.result()
    await record(handle)
    assert result == AlertSweepResult(tenants=412, raised=4, pages=3)
    assert seen == [("", 1), ("t-0199", 1), ("t-0199", 2), ("t-0399", 1)]


async def test_new_alerts_are_delivered_by_the_sweep_itself_and_a_failed_tenant_is_left_to_its_cycle(
    own_time_env: WorkflowEnvironment,
) -> None:
    """The tenants of a page with new alerts get them at once: the operators' emails through the
    outbox (``alert:{id}:{address}``), the Notify ``alert.raised`` child, then ``notified_at``; a
    tenant whose email fails for good keeps its alerts undelivered and the sweep completes."""
    time_env = own_time_env  # this history leaves the Java test server unable to skip time
    notice = AlertNotice(
        id="a1",
        kind="engagement_compliance",
        scope="t1",
        severity="warning",
        message="engagement compliance 0% (minimum 80%)",
        window="2026120619",
        recipients=("ops@example.test",),
    )
    sent: list[str] = []
    marked: list[tuple[str, ...]] = []
    notified: list[str] = []

    @activity.defn(name="evaluate_alerts")
    async def evaluate_alerts(page: AlertPage) -> AlertPageResult:
        return AlertPageResult(evaluated=3, raised=2, last="t3", more=False, alerted=["t1", "t2"])

    @activity.defn(name="alert_notices")
    async def alert_notices(t: TenantRef) -> list[AlertNotice]:
        return [notice.model_copy(update={"scope": t.tenant_id, "id": f"a-{t.tenant_id}"})]

    @activity.defn(name="send_email")
    async def send_email(inp: SendEmailInput) -> SendEmailResult:
        if inp.tenant_id == "t2":
            raise ApplicationError("outbox refused", non_retryable=True)
        sent.append(inp.idempotency_key)
        return SendEmailResult(status="sent", message_id=f"<{inp.idempotency_key}@t>", attempts=1)

    @activity.defn(name="mark_alerts_notified")
    async def mark_alerts_notified(inp: AlertsDelivered) -> None:
        marked.append(inp.ids)

    @activity.defn(name="plan_notification")
    async def plan_notification(inp: NotifyInput) -> NotifyPlan:
        notified.append(f"{inp.kind}:{inp.key}")
        return NotifyPlan()

    async with (
        Worker(
            time_env.client,
            task_queue=queues.AGENT,
            workflows=[AlertSweepWorkflow, NotifyWorkflow],
            activities=[evaluate_alerts, alert_notices, mark_alerts_notified, plan_notification],
            workflow_runner=workflow_runner(),
        ),
        Worker(time_env.client, task_queue=queues.MESSAGING, activities=[send_email]),
    ):
        handle = await time_env.client.start_workflow(
            AlertSweepWorkflow.run, id=f"alert-sweep-{uuid.uuid4().hex[:6]}", task_queue=queues.AGENT
        )
        result = await handle.result()
        notify_id = ids.notify_workflow_id("t1", "alert:a-t1")
        await time_env.client.get_workflow_handle(notify_id).result()
    await record(handle)
    assert result == AlertSweepResult(tenants=3, raised=2, pages=1, delivered=1)
    assert sent == ["alert:a-t1:ops@example.test"] and marked == [("a-t1",)]
    assert notified == ["alert.raised:alert:a-t1"]
