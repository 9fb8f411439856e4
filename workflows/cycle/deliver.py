"""The cycle's alert delivery step (issue 17 Build 5), after Reflect wrote the hour's alerts.

Deterministic: call only from workflow code.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.alerts import AlertNotice, AlertsDelivered, deliver_alert
    from workflows.cycle import activities as act
    from workflows.cycle.messages import CycleInput, TenantRef


NOTICES_PATCH = "cycle-reflect-reads-alerts"
"""``reflect`` returns the alerts to deliver (issue 17): no ``alert_notices`` step."""


async def deliver_alerts(inp: CycleInput, read: list[AlertNotice] | None = None) -> int:
    """Hand the tenant's undelivered alerts (this hour's, or written since by another evaluation)
    to :func:`workflows.alerts.deliver_alert`, then mark them delivered. Returns how many.

    ``read``: the notices ``reflect`` returned; used under :data:`NOTICES_PATCH` (no
    ``alert_notices`` round trip, and none at all when there is no alert). Before the patch, or
    None (a worker older than the patch ran ``reflect``), ``alert_notices`` reads them."""
    if not workflow.patched(NOTICES_PATCH) or read is None:
        read = await act.alert_notices(TenantRef(tenant_id=inp.tenant_id))
    notices = read
    for n in notices:
        await deliver_alert(inp.messaging_queue, n, timeout_s=inp.action_timeout_s)
    if notices:
        ids = tuple(n.id for n in notices)
        await act.mark_alerts_notified(AlertsDelivered(tenant_id=inp.tenant_id, ids=ids))
    return len(notices)
