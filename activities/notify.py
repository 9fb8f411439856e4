"""Notification activities (issue 15 Build 7; seed 000 §2): plan, deliver one webhook, start.

``deliver_webhook`` (agent queue, sync): reads the endpoint (gone or disabled: non-retryable
``WebhookDisabled``), its ``whsec_`` secret from Vault (never logged or returned), vets and pins
the URL (:mod:`core.webhook_targets`; refused: non-retryable ``WebhookRefused``), signs the body
to the Standard Webhooks spec with ``standardwebhooks`` (``webhook-id`` = the event's message
id, the same on every retry; ``webhook-timestamp`` = this attempt; ``webhook-signature``) and
POSTs it, following no redirect. A 2xx is delivered and resets the endpoint's failure run. Any
other answer or a network error counts one failure and is retried with backoff
(``retry.WEBHOOK``); the ``integrations.webhook_failure_limit``-th failure in a row disables the
endpoint and raises a ``webhook_disabled`` alert (``agent_alerts``, the tenant's scope).

``notify`` starts the ``Notify`` workflow for an event from activity code (exactly once per key):
the reusable entry point for the cycle's alerts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
from sqlalchemy import Engine
from standardwebhooks.webhooks import Webhook
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from activities.operations import permanent_db_errors
from core import queues
from core.failures import Failure
from core.logging import get_logger
from core.settings import Settings
from core.targets import REFUSED, UNREACHABLE, TargetRefused
from core.vault import VaultStore
from core.webhook_targets import endpoint_secret_path, pinned, vet_webhook_url
from schema.db import tenant_transaction
from schema.metrics import raise_alerts
from schema.repositories import webhooks
from workflows.cycle.alerts import Alert
from workflows.ids import notify_workflow_id
from workflows.notify.messages import (
    DeliverWebhookInput,
    DeliverWebhookResult,
    NotifyInput,
    NotifyPlan,
    StartNotifyInput,
    Status,
)
from workflows.notify.workflow import NotifyWorkflow

log = get_logger("activities.notify")


def webhook_body(inp: DeliverWebhookInput) -> str:
    """``{"type", "timestamp", "data": {"subject", ...payload}}``, compact JSON (what is signed)."""
    data = {"subject": inp.subject, **inp.payload}
    return json.dumps({"type": inp.kind, "timestamp": inp.occurred_at, "data": data}, separators=(",", ":"))


class NotifyActivities:
    def __init__(
        self, settings: Settings, engine: Engine, vault: VaultStore, client: Client | None = None
    ) -> None:
        self._settings, self._engine, self._vault, self._client = settings, engine, vault, client

    @activity.defn(name="plan_notification")
    def plan_notification(self, inp: NotifyInput) -> NotifyPlan:
        with tenant_transaction(self._engine, inp.tenant_id) as s:
            endpoints = webhooks.subscribed(s, inp.tenant_id, inp.kind, inp.endpoint_id)
            row = webhooks.get_settings_row(s, inp.tenant_id)
        return NotifyPlan(endpoints=endpoints, email_to=row.notify_email if row else None)

    @activity.defn(name="deliver_webhook")
    def deliver_webhook(self, inp: DeliverWebhookInput) -> DeliverWebhookResult:
        with tenant_transaction(self._engine, inp.tenant_id) as s:
            ep = webhooks.get_endpoint(s, inp.tenant_id, inp.endpoint_id)
            url = ep.url if ep is not None and ep.enabled else None
        if url is None:
            raise ApplicationError(
                "the endpoint is disabled or deleted", type=Failure.WEBHOOK_DISABLED, non_retryable=True
            )
        secret = (self._vault.read(endpoint_secret_path(inp.tenant_id, inp.endpoint_id)) or {}).get("secret")
        if not secret:
            raise ApplicationError(
                "the endpoint has no secret", type=Failure.WEBHOOK_DISABLED, non_retryable=True
            )
        try:
            pin = vet_webhook_url(url, self._settings)
        except TargetRefused as e:
            log.warning("webhook refused", endpoint=inp.endpoint_id, code=e.code, detail=e.detail)
            self._count(inp, False, None)
            raise ApplicationError(REFUSED, type=Failure.WEBHOOK_REFUSED, non_retryable=True) from None
        body = webhook_body(inp)
        now = datetime.now(UTC)
        target, headers, extensions = pinned(url, pin)
        headers |= {
            "content-type": "application/json",
            "webhook-id": inp.message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(str(secret)).sign(inp.message_id, now, body),
        }
        status: int | None = None
        try:
            with httpx.Client(
                timeout=self._settings.integrations.webhook_timeout_s, follow_redirects=False
            ) as c:
                status = c.post(
                    target, content=body.encode(), headers=headers, extensions=extensions
                ).status_code
        except httpx.HTTPError as e:
            log.info("webhook delivery failed", endpoint=inp.endpoint_id, error=type(e).__name__)
        ok = status is not None and 200 <= status < 300
        self._count(inp, ok, status)
        if not ok:
            raise ApplicationError(f"the receiver answered HTTP {status}" if status else UNREACHABLE)
        return DeliverWebhookResult(delivered=True, status_code=status or 0, detail=f"HTTP {status}")

    def _count(self, inp: DeliverWebhookInput, ok: bool, status: int | None) -> None:
        """Record the attempt; the limit-th failure in a row disables the endpoint, raises the
        alert and fails the delivery for good."""
        limit = self._settings.integrations.webhook_failure_limit
        now = datetime.now(UTC)
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            disabled_now = webhooks.record_attempt(s, inp.tenant_id, inp.endpoint_id, ok, status, now, limit)
        if not disabled_now:
            return
        alert = Alert(
            kind="webhook_disabled",
            scope=inp.tenant_id,
            severity="warning",
            message=f"webhook endpoint {inp.endpoint_id} disabled after {limit} failed deliveries in a row",
            data={"failures": float(limit)},
        )
        with tenant_transaction(self._engine, inp.tenant_id) as s:
            raise_alerts(s, [alert], now.replace(minute=0, second=0, microsecond=0))
        log.warning("webhook endpoint disabled", endpoint=inp.endpoint_id, failures=limit)
        raise ApplicationError("the endpoint was disabled", type=Failure.WEBHOOK_DISABLED, non_retryable=True)

    @activity.defn(name="notify")
    async def notify(self, inp: StartNotifyInput) -> Status:
        """Start ``Notify`` for ``inp.event`` on the agent queue; ``duplicate`` when that key was
        already started."""
        if self._client is None:
            raise RuntimeError("the notify activity needs a Temporal client")
        ev = inp.event
        try:
            await self._client.start_workflow(
                NotifyWorkflow.run, ev, id=notify_workflow_id(ev.tenant_id, ev.key), task_queue=queues.AGENT
            )
        except WorkflowAlreadyStartedError:
            return "duplicate"
        return "started"
