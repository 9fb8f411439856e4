"""Switches of the hourly cycle (seed 004 P0.6 ``/api/admin/agent``): the global kill switch,
a tenant's ``agent_enabled`` with its hourly schedule, and the schedule itself.

Who may call what: :mod:`api.authz.matrix`; which tenant: :mod:`api.services.agent_access`.
Runs are in :mod:`api.services.agent_runs`, the health check in :mod:`api.services.agent_health`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from temporalio.client import Client

from api.auth import Principal
from api.errors import NotFoundException, ValidationException
from api.schemas.admin import (
    AgentStateView,
    AgentSwitchRequest,
    CycleScheduleView,
    EmailView,
    KillSwitch,
    StoredKillSwitch,
    TenantAgentView,
)
from api.services import cycle_schedule as schedules
from api.services.agent_access import AgentAccess
from core.settings import Settings
from schema.db import platform_transaction, tenant_transaction
from schema.repositories import agent_admin
from schema.repositories import tenants as tenants_repo
from workflows.ids import is_reserved_tenant


def kill_switch(settings: Settings, s: Session) -> StoredKillSwitch | KillSwitch:
    """The global switch: the environment's (``settings.agent.kill_switch``) wins over the one an
    operator stored in ``system_config``; with neither, enabled by default."""
    a = settings.agent
    if a.kill_switch:
        return KillSwitch(global_enabled=False, source="environment", reason=a.kill_switch_reason or None)
    cfg = agent_admin.get_agent_config(s)
    if cfg is None:
        return KillSwitch(global_enabled=True, source="default", reason=None)
    return StoredKillSwitch(
        global_enabled=cfg.value.get("global_enabled", True) is not False,
        source="system_config",
        reason=cfg.value.get("reason"),
        updated_by=cfg.updated_by,
        updated_at=cfg.updated_at.isoformat(),
    )


class AgentAdminService:
    """Also the holder of the Temporal client, engine and settings other admin areas use."""

    def __init__(self, client: Client, engine: Engine, settings: Settings) -> None:
        self.client, self.engine, self.settings = client, engine, settings
        self.access = AgentAccess(settings)

    def tenant_scope(self, p: Principal, tenant_id: str | None) -> str:
        return self.access.tenant_scope(p, tenant_id)

    def _read_state(self, t: str) -> AgentStateView:
        with tenant_transaction(self.engine, t) as s:
            tenant = tenants_repo.get_tenant(s, t)
            return AgentStateView(
                kill_switch=kill_switch(self.settings, s),
                tenant=TenantAgentView(
                    id=t,
                    agent_enabled=bool(tenant and tenant.agent_enabled),
                    agent_settings=(tenant.agent_settings if tenant else None) or {},
                ),
                email=EmailView(mode=self.settings.email.mode, disabled=self.settings.email.disabled),
            )

    async def state(self, p: Principal, tenant_id: str | None) -> AgentStateView:
        """Kill switch (and its source), the tenant's agent_enabled, settings and schedule. An
        operator who names no tenant gets the kill switch and an empty tenant (id ``""``)."""
        t = self.access.optional_scope(p, tenant_id)
        out = await asyncio.to_thread(self._read_state, t or "")
        if t:
            out.tenant.schedule = await schedules.describe_schedule(self.client, t)
        return out

    async def switch(self, p: Principal, data: AgentSwitchRequest) -> AgentStateView:
        """Apply the global and/or the tenant switch, then return the tenant's state."""
        if data.global_enabled is not None:
            await self.set_global(p, data.global_enabled, data.reason)
        tenant = data.tenant_id
        if data.agent_enabled is not None:
            tenant = await self.set_tenant(p, data.tenant_id, data.agent_enabled, data.reason)
        return await self.state(p, tenant)

    def _write_global(self, enabled: bool, reason: str | None, by: str) -> None:
        with platform_transaction(self.engine, "global kill switch") as s:
            agent_admin.set_agent_config(s, enabled, reason, by, datetime.now(UTC))

    async def set_global(self, p: Principal, enabled: bool, reason: str | None) -> None:
        """Operator only (403 otherwise)."""
        self.access.require_operator(p, "the global kill switch")
        await asyncio.to_thread(self._write_global, enabled, reason, p.user_id)

    def _write_tenant(self, t: str, enabled: bool) -> None:
        with tenant_transaction(self.engine, t) as s:
            tenants_repo.set_agent_enabled(s, t, enabled)

    async def set_tenant(self, p: Principal, tenant_id: str | None, enabled: bool, reason: str | None) -> str:
        """Flip ``agent_enabled``; enabling creates (or unpauses) the hourly schedule, disabling pauses it."""
        t = self.access.tenant_scope(p, tenant_id)
        await asyncio.to_thread(self._write_tenant, t, enabled)
        note = f"{'enabled' if enabled else 'disabled'} by {p.user_id}" + (f": {reason}" if reason else "")
        if enabled:
            await schedules.ensure_schedule(
                self.client, t, self.settings.agent.schedule_jitter_s, paused=False, note=note
            )
        else:
            await schedules.set_paused(self.client, t, True, note)
        return t

    # --- the tenant's hourly schedule --------------------------------------------------------

    def _ensure_tenant(self, t: str) -> None:
        if is_reserved_tenant(t):  # its workflow ids would read as another format's (workflows/ids.py)
            raise ValidationException(f"{t!r} is a reserved name, not a tenant")
        with tenant_transaction(self.engine, t) as s:
            tenants_repo.ensure_tenant(s, t)

    async def put_schedule(
        self, p: Principal, tenant_id: str, paused: bool, jitter_s: int | None
    ) -> CycleScheduleView:
        """Create or update the schedule (jitter defaults to ``settings.agent.schedule_jitter_s``)."""
        t = self.access.tenant_scope(p, tenant_id)
        await asyncio.to_thread(self._ensure_tenant, t)
        jitter = self.settings.agent.schedule_jitter_s if jitter_s is None else jitter_s
        await schedules.ensure_schedule(self.client, t, jitter, paused=paused, note=f"set by {p.user_id}")
        return await self.get_schedule(p, t)

    async def get_schedule(self, p: Principal, tenant_id: str) -> CycleScheduleView:
        """404 when the tenant has no schedule."""
        t = self.access.tenant_scope(p, tenant_id)
        d = await schedules.describe_schedule(self.client, t)
        if d is None:
            raise NotFoundException(f"tenant {t!r} has no schedule")
        return d

    async def delete_schedule(self, p: Principal, tenant_id: str) -> None:
        """404 when the tenant has no schedule."""
        t = self.access.tenant_scope(p, tenant_id)
        if not await schedules.delete_schedule(self.client, t):
            raise NotFoundException(f"tenant {t!r} has no schedule")
