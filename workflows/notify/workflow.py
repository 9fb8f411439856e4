"""``Notify``: deliver one event (issue 15 Build 7; seed 000 §2 customer notifications).

1. ``plan_notification``: the tenant's enabled endpoints subscribed to the kind, and its
   notification address.
2. Every webhook in parallel (``deliver_webhook``: Standard Webhooks signature, retried with
   backoff; an endpoint failing ``integrations.webhook_failure_limit`` times in a row is
   disabled with an alert), and the email through the outbox (``send_email``, exactly once per key).

Id ``notify-{tenant}-{sha256(key)[:32]}`` (workflows/ids.py): one delivery per event key.
Workflows start it with :func:`notify` (an abandoned child, so the caller never waits on a slow
receiver); activity code with the ``notify`` activity (activities/notify.py); the API directly.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from workflows import common, ids
    from workflows.email import SendEmailResult
    from workflows.notify import activities as acts
    from workflows.notify.messages import (
        DeliverWebhookInput,
        DeliverWebhookResult,
        NotifyInput,
        NotifyResult,
        message_id,
    )


def email_body(inp: NotifyInput) -> str:
    """The plain-text email: the subject, then one ``key: value`` line per payload field."""
    lines = [inp.subject, "", f"event: {inp.kind}", *(f"{k}: {v}" for k, v in sorted(inp.payload.items()))]
    return "\n".join(lines) + "\n"


@workflow.defn(name="Notify")
class NotifyWorkflow:
    @workflow.run
    async def run(self, inp: NotifyInput) -> NotifyResult:
        plan = await acts.plan_notification(inp)
        mid = message_id(inp.tenant_id, inp.key)
        at = workflow.now().isoformat()
        hooks = [
            acts.deliver_webhook(
                DeliverWebhookInput(
                    tenant_id=inp.tenant_id,
                    endpoint_id=e,
                    message_id=mid,
                    kind=inp.kind,
                    subject=inp.subject,
                    payload=inp.payload,
                    occurred_at=at,
                )
            )
            for e in plan.endpoints
        ]
        email_status: str | None = None
        if plan.email_to and inp.endpoint_id is None and inp.send_email:
            body = email_body(inp)
            sent, *results = await asyncio.gather(
                common.email(
                    inp.email_queue, inp.tenant_id, f"notify:{inp.key}", plan.email_to, inp.subject, body
                ),
                *hooks,
                return_exceptions=True,
            )
            email_status = sent.status if isinstance(sent, SendEmailResult) else "failed"
        else:
            results = list(await asyncio.gather(*hooks, return_exceptions=True))
        delivered = sum(1 for r in results if isinstance(r, DeliverWebhookResult) and r.delivered)
        return NotifyResult(
            message_id=mid,
            webhooks_delivered=delivered,
            webhooks_failed=len(results) - delivered,
            email_status=email_status,
        )


async def notify(inp: NotifyInput) -> None:
    """From workflow code: start ``Notify`` for ``inp`` as a child that outlives the caller
    (parent close policy ABANDON); a second start for the same key is a no-op."""
    try:
        await workflow.start_child_workflow(
            NotifyWorkflow.run,
            inp,
            id=ids.notify_workflow_id(inp.tenant_id, inp.key),
            task_queue=workflow.info().task_queue,
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
        )
    except WorkflowAlreadyStartedError:
        pass
