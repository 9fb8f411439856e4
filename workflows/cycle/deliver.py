"""Alert delivery of one tenant (issue 17 Build 5): the cycle's step after Reflect, and the
hourly alert sweep's right after it raised alerts (so they go out at once, not at the tenant's
next cycle). Either way the undelivered ones are read, sent through
:func:`workflows.alerts.deliver_alert` and marked delivered; the email keys
``alert:{id}:{address}`` and the Notify key ``alert:{id}`` (the alert id is
``stable_id(kind, scope, hour)``) make a second delivery by the other a no-op.

Deterministic: call only from workflow code.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.alerts import AlertNotice, AlertsDelivered, deliver_alert
    from workflows.cycle import activities as act
    from workflows.cycle.messages import CycleInput, TenantRef


async def deliver_alerts(inp: CycleInput, read: list[AlertNotice] | None = None) -> int:
    """The cycle's step: :func:`deliver_tenant_alerts` of the cycle's tenant.

    ``read``: the notices the closing step returned (no ``alert_notices`` round trip, and none at
    all when there is no alert); None (a worker older than issue 17's closing step ran ``reflect``):
    ``alert_notices`` reads them. (Patches ``cycle-delivers-alerts`` and
    ``cycle-reflect-reads-alerts`` are retired: tests/replay/histories/retired/.)"""
    return await deliver_tenant_alerts(inp.tenant_id, inp.messaging_queue, inp.action_timeout_s, read)


async def deliver_tenant_alerts(
    tenant_id: str, messaging_queue: str, timeout_s: int, read: list[AlertNotice] | None = None
) -> int:
    """Hand the tenant's undelivered alerts (``read``, or else those ``alert_notices`` reads: this
    hour's, or written since by another evaluation) to :func:`workflows.alerts.deliver_alert`
    (emails on ``messaging_queue``, ``timeout_s`` each), then mark them delivered. Returns how many."""
    notices = read if read is not None else await act.alert_notices(TenantRef(tenant_id=tenant_id))
    for n in notices:
        await deliver_alert(messaging_queue, n, timeout_s=timeout_s)
    if notices:
        ids = tuple(n.id for n in notices)
        await act.mark_alerts_notified(AlertsDelivered(tenant_id=tenant_id, ids=ids))
    return len(notices)
