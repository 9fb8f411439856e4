"""Admin of the hourly cycle (seed 004 P0.6 ``/api/admin/agent``): kill switch, tenant on/off
with its schedule, run-now, runs and health.

Roles: the global kill switch and other tenants need ``operator``; a tenant's ``owner`` or
``admin`` manages its own tenant. Another tenant's id is a 404 for them.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import Engine, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.auth import Principal
from api.errors import ConflictException
from api.services import cycle_schedule as schedules
from core import queues
from core.settings import Settings
from core.smtp import smtp_reachable
from schema import metrics
from schema.agent import AgentRun, HourlyReflection, SystemConfig
from schema.repositories import operations as repo
from schema.tables import Tenant
from workflows.cycle.alerts import evaluate_alerts
from workflows.cycle.hours import cycle_workflow_id, hour_key
from workflows.cycle.models import CycleInput, FanoutInput
from workflows.cycle.workflow import CycleFanoutWorkflow, TenantCycleWorkflow

TENANT_ADMIN_ROLES = ("owner", "admin")


class AgentAdminService:
    def __init__(self, client: Client, engine: Engine, settings: Settings) -> None:
        self.client, self.engine, self.settings = client, engine, settings

    # --- authorisation -----------------------------------------------------------------------

    def _operator(self, p: Principal) -> bool:
        return p.has_any((self.settings.auth.operator_role,))

    def require_admin(self, p: Principal) -> None:
        roles = (self.settings.auth.operator_role, *TENANT_ADMIN_ROLES)
        if not p.has_any(roles):
            raise PermissionDeniedException(
                f"agent administration needs one of the roles: {', '.join(roles)}"
            )

    def tenant_scope(self, p: Principal, tenant_id: str | None) -> str:
        """The tenant a request may act on: its own, or any for an operator (404 otherwise)."""
        self.require_admin(p)
        tenant_id = tenant_id or p.tenant_id
        if tenant_id != p.tenant_id and not self._operator(p):
            raise NotFoundException(f"no tenant {tenant_id!r}")
        return tenant_id

    # --- switches ----------------------------------------------------------------------------

    def _global(self, s: Session) -> dict[str, Any]:
        a = self.settings.agent
        if a.kill_switch:
            return {"global_enabled": False, "source": "environment", "reason": a.kill_switch_reason or None}
        cfg = s.get(SystemConfig, "agent")
        if cfg is None:
            return {"global_enabled": True, "source": "default", "reason": None}
        return {
            "global_enabled": cfg.value.get("global_enabled", True) is not False,
            "source": "system_config",
            "reason": cfg.value.get("reason"),
            "updated_by": cfg.updated_by,
            "updated_at": cfg.updated_at.isoformat(),
        }

    async def state(self, p: Principal, tenant_id: str | None) -> dict[str, Any]:
        t = self.tenant_scope(p, tenant_id)

        def read() -> dict[str, Any]:
            with Session(self.engine) as s:
                tenant = s.get(Tenant, t)
                return {
                    "kill_switch": self._global(s),
                    "tenant": {
                        "id": t,
                        "agent_enabled": bool(tenant and tenant.agent_enabled),
                        "agent_settings": (tenant.agent_settings if tenant else None) or {},
                    },
                    "email": {"mode": self.settings.email.mode, "disabled": self.settings.email.disabled},
                }

        out = await asyncio.to_thread(read)
        out["tenant"]["schedule"] = await schedules.describe_schedule(self.client, t)
        return out

    async def set_global(self, p: Principal, enabled: bool, reason: str | None) -> None:
        if not self._operator(p):
            raise PermissionDeniedException(
                f"the global kill switch needs the {self.settings.auth.operator_role} role"
            )

        def write() -> None:
            value = {"global_enabled": enabled, "reason": reason}
            with Session(self.engine) as s:
                stmt = insert(SystemConfig.__table__).values(  # type: ignore[attr-defined]
                    key="agent", value=value, updated_by=p.user_id, updated_at=datetime.now(UTC)
                )
                s.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["key"],
                        set_={"value": value, "updated_by": p.user_id, "updated_at": datetime.now(UTC)},
                    )
                )
                s.commit()

        await asyncio.to_thread(write)

    async def set_tenant(self, p: Principal, tenant_id: str | None, enabled: bool, reason: str | None) -> str:
        """Flip ``agent_enabled``; enabling creates (or unpauses) the hourly schedule, disabling pauses it."""
        t = self.tenant_scope(p, tenant_id)

        def write() -> None:
            repo.ensure_tenant(self.engine, t)
            with Session(self.engine) as s:
                s.execute(update(Tenant).where(col(Tenant.id) == t).values(agent_enabled=enabled))
                s.commit()

        await asyncio.to_thread(write)
        note = f"{'enabled' if enabled else 'disabled'} by {p.user_id}" + (f": {reason}" if reason else "")
        if enabled:
            await schedules.ensure_schedule(
                self.client, t, self.settings.agent.schedule_jitter_s, paused=False, note=note
            )
        else:
            await schedules.set_paused(self.client, t, True, note)
        return t

    # --- schedules ---------------------------------------------------------------------------

    async def put_schedule(
        self, p: Principal, tenant_id: str, paused: bool, jitter_s: int | None
    ) -> dict[str, Any]:
        t = self.tenant_scope(p, tenant_id)
        await asyncio.to_thread(repo.ensure_tenant, self.engine, t)
        jitter = self.settings.agent.schedule_jitter_s if jitter_s is None else jitter_s
        await schedules.ensure_schedule(self.client, t, jitter, paused=paused, note=f"set by {p.user_id}")
        return await schedules.describe_schedule(self.client, t) or {}

    async def get_schedule(self, p: Principal, tenant_id: str) -> dict[str, Any]:
        t = self.tenant_scope(p, tenant_id)
        d = await schedules.describe_schedule(self.client, t)
        if d is None:
            raise NotFoundException(f"tenant {t!r} has no schedule")
        return d

    async def delete_schedule(self, p: Principal, tenant_id: str) -> None:
        t = self.tenant_scope(p, tenant_id)
        if not await schedules.delete_schedule(self.client, t):
            raise NotFoundException(f"tenant {t!r} has no schedule")

    # --- runs --------------------------------------------------------------------------------

    async def run_now(self, p: Principal, tenant_id: str) -> dict[str, str]:
        """Start this hour's cycle now. 409 when the switch is off or the hour's cycle exists."""
        t = self.tenant_scope(p, tenant_id)

        def check() -> tuple[dict[str, Any], bool]:
            with Session(self.engine) as s:
                tenant = s.get(Tenant, t)
                return self._global(s), bool(tenant and tenant.agent_enabled)

        g, enabled = await asyncio.to_thread(check)
        if not g["global_enabled"]:
            raise ConflictException(
                f"the global kill switch is engaged: {g.get('reason') or 'no reason given'}"
            )
        if not enabled:
            raise ConflictException(f"the agent is disabled for tenant {t!r}")
        hour = hour_key(datetime.now(UTC))
        wid = cycle_workflow_id(t, hour)
        try:
            await self.client.start_workflow(
                TenantCycleWorkflow.run,
                CycleInput(
                    tenant_id=t,
                    hour=hour,
                    trigger="manual",
                    action_timeout_s=self.settings.agent.action_timeout_s,
                ),
                id=wid,
                task_queue=queues.AGENT,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            raise ConflictException(
                f"the cycle for tenant {t!r} and hour {hour} already ran or is running (tenant lock)"
            ) from None
        return {"workflow_id": wid, "hour": hour, "tenant_id": t}

    async def run_all(self, p: Principal, batch: int) -> dict[str, str]:
        """Operator: run every enabled tenant's cycle for this hour now (``CycleFanout``, a sliding
        window of ``batch`` children). 409 if this hour's fan-out already ran or is running."""
        if not self._operator(p):
            raise PermissionDeniedException(
                f"running every tenant needs the {self.settings.auth.operator_role} role"
            )
        hour = hour_key(datetime.now(UTC))
        wid = f"cycle-fanout-{hour}"
        try:
            await self.client.start_workflow(
                CycleFanoutWorkflow.run,
                FanoutInput(hour=hour, batch=batch, continue_after=self.settings.agent.fanout_continue_after),
                id=wid,
                task_queue=queues.AGENT,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            raise ConflictException(f"the fan-out for hour {hour} already ran or is running") from None
        return {"workflow_id": wid, "hour": hour}

    async def runs(
        self, p: Principal, tenant_id: str | None, status: str | None, limit: int
    ) -> list[dict[str, Any]]:
        scope = None if (tenant_id is None and self._operator(p)) else self.tenant_scope(p, tenant_id)

        def read() -> list[dict[str, Any]]:
            stmt = select(AgentRun).order_by(col(AgentRun.started_at).desc()).limit(limit)
            if scope is not None:
                stmt = stmt.where(AgentRun.tenant_id == scope)
            if status:
                stmt = stmt.where(AgentRun.status == status)
            with Session(self.engine) as s:
                return [r.model_dump(mode="json") for r in s.execute(stmt).scalars()]

        return await asyncio.to_thread(read)

    async def run(self, p: Principal, run_id: str) -> dict[str, Any]:
        def read() -> tuple[AgentRun | None, HourlyReflection | None]:
            with Session(self.engine) as s:
                run = s.get(AgentRun, run_id)
                refl = s.execute(select(HourlyReflection).where(HourlyReflection.run_id == run_id)).scalar()
                return run, refl

        run, refl = await asyncio.to_thread(read)
        if run is None:
            raise NotFoundException(f"no run {run_id!r}")
        self.require_admin(p)
        if run.tenant_id != p.tenant_id and not self._operator(p):
            raise NotFoundException(f"no run {run_id!r}")
        return {**run.model_dump(mode="json"), "reflection": refl.model_dump(mode="json") if refl else None}

    # --- health ------------------------------------------------------------------------------

    async def health(self, p: Principal, tenant_id: str | None) -> dict[str, Any]:
        """Seed 004 ``/api/admin/agent/health``: switch, email, metrics (24 h) and open alerts;
        ``status`` is critical with a critical alert or the kill switch on, degraded with warnings."""
        scope = None if (tenant_id is None and self._operator(p)) else self.tenant_scope(p, tenant_id)
        now = datetime.now(UTC)

        def read() -> dict[str, Any]:
            with Session(self.engine) as s:
                found = evaluate_alerts(
                    metrics.alert_inputs(s, scope, now, self.settings.agent.violation_spike)
                )
                metrics.raise_alerts(s, found, now.replace(minute=0, second=0, microsecond=0))
                alerts = [
                    {
                        "kind": a.kind,
                        "scope": a.scope,
                        "severity": a.severity,
                        "message": a.message,
                        "at": a.created_at.isoformat(),
                    }
                    for a in metrics.recent_alerts(s, scope, now)
                ]
                return {
                    "kill_switch": self._global(s),
                    "metrics": metrics.seed_metrics(s, scope, now),
                    "alerts": alerts,
                }

        out = await asyncio.to_thread(read)
        e = self.settings.email
        out["email"] = {
            "mode": e.mode,
            "disabled": e.disabled,
            "smtp_reachable": await asyncio.to_thread(smtp_reachable, e.smtp_host, e.smtp_port),
        }
        severities = {a["severity"] for a in out["alerts"]}
        if "critical" in severities or not out["kill_switch"]["global_enabled"]:
            out["status"] = "critical" if "critical" in severities else "stopped"
        else:
            out["status"] = "degraded" if severities else "healthy"
        out["scope"] = scope or "global"
        out["checked_at"] = now.isoformat()
        return out
