"""The cycle's alert delivery step (issue 17 Build 5), after Reflect wrote the hour's alerts.

Deterministic: call only from workflow code.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.alerts import AlertNotice, AlertsDelivered, deliver_alert
    from workflows.cycle import activities as act
    from workflows.cycle.messages import CycleInput, TenantRef


async def deliver_alerts(inp: CycleInput, read: list[AlertNotice] | None = None) -> int:
    """Hand the tenant's undelivered alerts (this hour's, or written since by another evaluation)
    to :func:`workflows.alerts.deliver_alert`, then mark them delivered. Returns how many.

    ``read``: the notices ``reflect`` already read (issue 17: no ``alert_notices`` round trip,
    and none at all when there is no alert); None asks ``alert_notices``."""
    notices = read if read is not None else await act.alert_notices(TenantRef(tenant_id=inp.tenant_id))
    for n in notices:
        await deliver_alert(inp.messaging_queue, n, timeout_s=inp.action_timeout_s)
    if notices:
        ids = tuple(n.id for n in notices)
        await act.mark_alerts_notified(AlertsDelivered(tenant_id=inp.tenant_id, ids=ids))
    return len(notices)
