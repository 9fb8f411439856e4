"""Messages of the ``Notify`` workflow and its activities (issue 15 Build 7). No secret is ever a
field: payloads carry ids, statuses, Vault paths and fingerprints only."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import Field

from workflows.models import Frozen

EventKind = Literal[
    "operation.completed",
    "operation.failed",
    "operation.waiting_for_consent",
    "operation.waiting_for_confirmation",
    "integration.health_check_failed",
    "integration.needs_consent",
    "integration.rotation_completed",
    "integration.rotation_failed",
    "alert.raised",
    "webhook.test",
]
"""Every event a tenant can subscribe an endpoint to (issue 15 Build 7)."""
EVENT_KINDS: tuple[str, ...] = EventKind.__args__  # type: ignore[attr-defined]

PayloadValue = str | int | float | bool | None


class NotifyInput(Frozen):
    """One event for one tenant. ``key`` makes it exactly once (the workflow id, the outbox key
    and the webhook message id derive from it)."""

    tenant_id: str
    kind: EventKind
    subject: str = Field(max_length=300)
    payload: dict[str, PayloadValue] = Field(default_factory=dict, max_length=50)
    key: str = Field(min_length=1, max_length=200)
    endpoint_id: str | None = None
    """A test-send: deliver to this endpoint only (whatever its events) and send no email."""
    send_email: bool = True
    """False: webhooks only (alerts are already emailed to the tenant's operators, issue 17)."""
    email_queue: str = "messaging"
    """Where ``send_email`` runs (core.queues.MESSAGING; workflow tests use their own queue)."""


def message_id(tenant_id: str, key: str) -> str:
    """The webhook message id (``webhook-id``) of an event: ``msg_{sha256(tenant|key)[:32]}``,
    the same on every retry so receivers deduplicate."""
    return "msg_" + hashlib.sha256(f"{tenant_id}|{key}".encode()).hexdigest()[:32]


class NotifyPlan(Frozen):
    endpoints: list[str] = Field(default_factory=list)
    """Ids of the enabled endpoints subscribed to the kind."""
    email_to: str | None = None
    """The tenant's notification address (``integration_settings.notify_email``), if any."""


class DeliverWebhookInput(Frozen):
    tenant_id: str
    endpoint_id: str
    message_id: str
    kind: str
    subject: str
    payload: dict[str, PayloadValue]
    occurred_at: str
    """When the event happened (RFC 3339, from the workflow clock): the body's ``timestamp``."""


class DeliverWebhookResult(Frozen):
    delivered: bool
    status_code: int = 0
    detail: str = ""


class NotifyResult(Frozen):
    message_id: str
    webhooks_delivered: int = 0
    webhooks_failed: int = 0
    email_status: str | None = None


class StartNotifyInput(Frozen):
    """The ``notify`` activity's input: start the ``Notify`` workflow for an event from activity
    code (the cycle's alerts), exactly once per key."""

    event: NotifyInput


Status = Literal["started", "duplicate"]
