"""Alert delivery (issue 17 Build 5): THE one hook every written alert goes through.

:func:`deliver_alert` takes one :class:`AlertNotice` (an ``agent_alerts`` row and its recipients)
and sends it: one email per operator of the tenant through the shared outbox (``send_email`` on
the messaging queue; idempotency key ``alert:{alert id}:{address}``, and the alert's id is
``stable_id(kind, scope, hour)``, so a repeat within the hour is never sent twice). Webhooks
go through issue 15's ``Notify`` (event ``alert.raised``, key ``alert:{id}``, signed to the
tenant's subscribed endpoints; patch ``alert-webhooks``), with no second email.

Deterministic: call only from workflow code.
"""

from __future__ import annotations

from pydantic import Field
from temporalio import workflow

from workflows.common import email
from workflows.models import Frozen
from workflows.notify.messages import NotifyInput
from workflows.notify.workflow import notify


class AlertNotice(Frozen):
    """One alert to deliver (schema/repositories/alerts.py builds it)."""

    id: str
    kind: str
    scope: str
    """The tenant id (global alerts have no tenant operators: they are not emailed)."""
    severity: str
    message: str
    window: str
    """UTC hour key, yyyymmddhh."""
    recipients: tuple[str, ...] = Field(default=(), max_length=20)
    """The tenant's operators (``tenants.agent_settings.alert_emails``)."""


def alert_email(n: AlertNotice) -> tuple[str, str]:
    """(subject, body) of the operators' email; no secret is ever in an alert."""
    subject = f"[OmniOps {n.severity}] {n.kind.replace('_', ' ')} for {n.scope}"
    body = (
        f"{n.message}\n\nAlert: {n.kind} ({n.severity})\nTenant: {n.scope}\nHour (UTC): {n.window}\n\n"
        "It resolves by itself when its condition clears; acknowledge or resolve it in the alerts view "
        f"(GET /api/alerts, id {n.id})."
    )
    return subject, body


async def deliver_alert(queue: str, n: AlertNotice, timeout_s: int = 60) -> int:
    """Send ``n`` to each recipient (emails whose outbox verdict is sent, dry_run, blocked...:
    the send modes apply as to every email). Returns the number of emails handed to the outbox."""
    subject, body = alert_email(n)
    for to in n.recipients:
        await email(queue, n.scope, f"alert:{n.id}:{to}", to, subject, body, timeout_s=timeout_s)
    if n.scope and workflow.patched("alert-webhooks"):
        payload = {
            "id": n.id,
            "kind": n.kind,
            "severity": n.severity,
            "window": n.window,
            "message": n.message,
        }
        await notify(
            NotifyInput(
                tenant_id=n.scope,
                kind="alert.raised",
                subject=subject,
                payload=payload,
                key=f"alert:{n.id}",
                email_queue=queue,
                send_email=False,
            )
        )
    return len(n.recipients)


class AlertsDelivered(Frozen):
    """The alerts handed to delivery (``mark_alerts_notified``)."""

    tenant_id: str
    ids: tuple[str, ...]
