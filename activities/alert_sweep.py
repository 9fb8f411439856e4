"""``evaluate_alerts`` (issue 17 Build 6): the seed's alert rules for one page of enabled tenants.

Runs on the agent worker (sync, thread pool). Reads the page of tenant ids in a platform
transaction (SELECT only); each tenant's figures are read and its alerts raised in that tenant's
own transaction (row-level security), with :func:`workflows.cycle.alerts.evaluate_alerts` (pure)
deciding. Alerts are stamped with the current hour; ``raise_alerts`` inserts at most one per
kind, scope and hour, so a retried page raises nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from temporalio import activity

from activities.cycle import series
from activities.operations import permanent_db_errors
from core.logging import get_logger
from core.settings import Settings
from schema import metrics
from schema.db import platform_transaction, tenant_transaction
from schema.repositories import alerts, run_record
from workflows.alert_sweep import AlertPage, AlertPageResult
from workflows.cycle.alerts import evaluate_alerts

log = get_logger("activities.alert_sweep")


class AlertSweepActivities:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._engine = engine
        self._page = settings.agent.alert_sweep_page
        self._spike = settings.agent.violation_spike

    @activity.defn(name="evaluate_alerts")
    def evaluate_alerts(self, inp: AlertPage) -> AlertPageResult:
        """Evaluate up to ``agent.alert_sweep_page`` enabled tenants after ``inp.after``."""
        now = datetime.now(UTC)
        hour = now.replace(minute=0, second=0, microsecond=0)
        with permanent_db_errors(), platform_transaction(self._engine, "alert sweep: enabled tenants") as s:
            tenants = run_record.enabled_tenants(s, inp.after, self._page)
        raised, alerted = 0, []
        for tenant_id in tenants:
            with permanent_db_errors(), tenant_transaction(self._engine, tenant_id) as s:
                inputs = metrics.alert_inputs(s, tenant_id, now, self._spike)
                found = evaluate_alerts(inputs)
                new = metrics.raise_alerts(s, found, hour=hour)
                alerts.resolve_cleared(s, inputs.scope, {a.kind for a in found}, now)  # issue 17 Build 5
            raised += new
            alerted += [tenant_id] if new else []
            series.record_gauges(tenant_id, inputs)  # the rules' inputs as Prometheus gauges
            activity.heartbeat(tenant_id)
        if raised:
            log.info("alerts raised", tenants=len(tenants), raised=raised)
        last = tenants[-1] if tenants else inp.after
        more = len(tenants) == self._page
        return AlertPageResult(evaluated=len(tenants), raised=raised, last=last, more=more, alerted=alerted)
