"""Typed activity stubs of the ``Notify`` workflow (issue 15 Build 7): names, queues, timeouts and
named retry policies (workflows/retry.py). Deterministic: call only from workflow code."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

from workflows import retry

with workflow.unsafe.imports_passed_through():
    from workflows.notify.messages import DeliverWebhookInput, DeliverWebhookResult, NotifyInput, NotifyPlan

DB_TIMEOUT = timedelta(seconds=30)
WEBHOOK_TIMEOUT = timedelta(seconds=30)
"""One POST (``integrations.webhook_timeout_s``, at most 60) plus the Vault read and bookkeeping."""


async def plan_notification(inp: NotifyInput) -> NotifyPlan:
    """The endpoints subscribed to ``inp.kind`` and the tenant's notification address."""
    result: NotifyPlan = await workflow.execute_activity(
        "plan_notification",
        inp,
        result_type=NotifyPlan,
        task_queue=workflow.info().task_queue,
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=retry.DB_UNBOUNDED,
    )
    return result


async def deliver_webhook(inp: DeliverWebhookInput) -> DeliverWebhookResult:
    """One signed POST to one endpoint, retried with backoff (``retry.WEBHOOK``); raises once the
    endpoint is disabled or its attempts are spent."""
    result: DeliverWebhookResult = await workflow.execute_activity(
        "deliver_webhook",
        inp,
        result_type=DeliverWebhookResult,
        task_queue=workflow.info().task_queue,
        start_to_close_timeout=WEBHOOK_TIMEOUT,
        retry_policy=retry.WEBHOOK,
    )
    return result
