"""Health of the hourly cycle (seed 004 ``/api/admin/agent/health``, P0.7.3 alerts)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine

from api.auth import Principal
from api.schemas.admin import AgentHealthView, AlertView, EmailHealth
from api.services.agent import kill_switch
from api.services.agent_access import AgentAccess
from core.settings import Settings
from core.smtp import smtp_reachable
from schema import metrics
from schema.db import scoped_transaction
from schema.repositories import alerts as alert_repo
from workflows.cycle.alerts import evaluate_alerts


class AgentHealthService:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self.access = AgentAccess(settings)

    def _read(self, scope: str | None, now: datetime, reachable: bool) -> AgentHealthView:
        """Evaluate and raise this hour's alerts (at most one per kind, scope and hour), then read
        the switch, the 24-hour metrics and the open alerts."""
        with scoped_transaction(self.engine, scope, "global health") as s:
            found = evaluate_alerts(metrics.alert_inputs(s, scope, now, self.settings.agent.violation_spike))
            metrics.raise_alerts(s, found, now.replace(minute=0, second=0, microsecond=0))
            alert_repo.resolve_cleared(s, scope or "global", {a.kind for a in found}, now)
            alerts = [
                AlertView(
                    kind=a.kind,
                    scope=a.scope,
                    severity=a.severity,
                    message=a.message,
                    at=a.created_at.isoformat(),
                )
                for a in metrics.recent_alerts(s, scope, now)
            ]
            switch = kill_switch(self.settings, s)
            seed_metrics = metrics.seed_metrics(s, scope, now)
        e = self.settings.email
        severities = {a.severity for a in alerts}
        if "critical" in severities or not switch.global_enabled:
            status = "critical" if "critical" in severities else "stopped"
        else:
            status = "degraded" if severities else "healthy"
        return AgentHealthView(
            kill_switch=switch,
            metrics=seed_metrics,
            alerts=alerts,
            email=EmailHealth(mode=e.mode, disabled=e.disabled, smtp_reachable=reachable),
            status=status,
            scope=scope or "global",
            checked_at=now.isoformat(),
        )

    async def health(self, p: Principal, tenant_id: str | None) -> AgentHealthView:
        """``status`` is critical with a critical alert, stopped with the kill switch engaged,
        degraded with warnings, healthy otherwise. Operators may omit the tenant (global)."""
        scope = self.access.optional_scope(p, tenant_id)
        now = datetime.now(UTC)
        e = self.settings.email
        reachable = await asyncio.to_thread(smtp_reachable, e.smtp_host, e.smtp_port)
        return await asyncio.to_thread(self._read, scope, now, reachable)
