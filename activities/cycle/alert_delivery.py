"""Alert delivery's DB steps (issue 17 Build 5): what to deliver, and what was delivered.

Local activities of the cycle, after ``reflect`` wrote the hour's alerts; the sending itself is
:func:`workflows.alerts.deliver_alert` (email through the outbox).
"""

from __future__ import annotations

from datetime import UTC, datetime

from temporalio import activity

from activities.cycle.base import CycleBase
from activities.operations import permanent_db_errors
from schema.db import tenant_transaction
from schema.repositories import alerts
from workflows.alerts import AlertNotice, AlertsDelivered
from workflows.cycle.messages import TenantRef


class AlertDeliveryActivities(CycleBase):
    @activity.defn(name="alert_notices")
    def alert_notices(self, t: TenantRef) -> list[AlertNotice]:
        """The tenant's alerts of the last 24 h not yet delivered, with its operators."""
        with permanent_db_errors(), tenant_transaction(self._engine, t.tenant_id) as s:
            return alerts.undelivered(s, t.tenant_id, datetime.now(UTC))

    @activity.defn(name="mark_alerts_notified")
    def mark_alerts_notified(self, inp: AlertsDelivered) -> None:
        """Set ``notified_at`` on the delivered alerts (idempotent)."""
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            alerts.mark_notified(s, inp.ids, datetime.now(UTC))
            s.commit()
