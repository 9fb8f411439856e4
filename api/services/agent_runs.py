"""Runs of the hourly cycle: start one tenant's cycle now, start every tenant's (fan-out), and
read runs with their hourly reflections (seed 004 P0.6 ``/api/admin/agent``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.auth import Principal
from api.errors import ConflictException, NotFoundException
from api.schemas.admin import (
    AgentRunDetail,
    AgentRunView,
    CycleStarted,
    FanoutStarted,
    KillSwitch,
    ReflectionView,
    StoredKillSwitch,
)
from api.services.agent import kill_switch
from api.services.agent_access import AgentAccess
from core import queues
from core.settings import Settings
from schema.agent import AgentRun, HourlyReflection
from schema.db import scoped_transaction, tenant_transaction
from schema.repositories import agent_admin
from schema.repositories import tenants as tenants_repo
from workflows.cycle import tags
from workflows.cycle.hours import CYCLE_BOUND, hour_key
from workflows.cycle.messages import CycleInput, FanoutInput
from workflows.cycle.triggers import CycleFanoutWorkflow
from workflows.cycle.workflow import TenantCycleWorkflow
from workflows.ids import cycle_fanout_workflow_id, cycle_workflow_id


class AgentRunService:
    def __init__(self, client: Client, engine: Engine, settings: Settings) -> None:
        self.client, self.engine, self.settings = client, engine, settings
        self.access = AgentAccess(settings)

    def _switches(self, t: str) -> tuple[StoredKillSwitch | KillSwitch, bool]:
        with tenant_transaction(self.engine, t) as s:
            tenant = tenants_repo.get_tenant(s, t)
            return kill_switch(self.settings, s), bool(tenant and tenant.agent_enabled)

    async def run_now(self, p: Principal, tenant_id: str) -> CycleStarted:
        """Start this hour's cycle ``cycle-{tenant}-{hour}`` now. 409 when the kill switch is
        engaged, the tenant's agent is off, or the hour's cycle exists (the tenant lock)."""
        t = self.access.tenant_scope(p, tenant_id)
        g, enabled = await asyncio.to_thread(self._switches, t)
        if not g.global_enabled:
            raise ConflictException(f"the global kill switch is engaged: {g.reason or 'no reason given'}")
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
                execution_timeout=CYCLE_BOUND,  # the cycles' bound (workflows/cycle/hours.py)
                search_attributes=tags.at_start(t),  # no upsert in the run (workflows/cycle/tags.py)
            )
        except WorkflowAlreadyStartedError:
            raise ConflictException(
                f"the cycle for tenant {t!r} and hour {hour} already ran or is running (tenant lock)"
            ) from None
        return CycleStarted(workflow_id=wid, hour=hour, tenant_id=t)

    async def run_all(self, p: Principal) -> FanoutStarted:
        """Platform operators (the matrix): every enabled tenant's cycle for this hour now
        (``CycleFanout``, a sliding window of ``settings.agent.fanout_batch`` children). 409 if
        this hour's fan-out exists."""
        hour = hour_key(datetime.now(UTC))
        wid = cycle_fanout_workflow_id(hour)
        a = self.settings.agent
        try:
            await self.client.start_workflow(
                CycleFanoutWorkflow.run,
                FanoutInput(hour=hour, batch=a.fanout_batch, continue_after=a.fanout_continue_after),
                id=wid,
                task_queue=queues.AGENT,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            raise ConflictException(f"the fan-out for hour {hour} already ran or is running") from None
        return FanoutStarted(workflow_id=wid, hour=hour)

    def _list(self, scope: str | None, status: str | None, limit: int) -> list[AgentRun]:
        with scoped_transaction(self.engine, scope, "every tenant's runs") as s:
            return agent_admin.list_runs(s, scope, status, limit)

    async def runs(
        self, p: Principal, tenant_id: str | None, status: str | None, limit: int
    ) -> list[AgentRunView]:
        """Newest first, ``limit`` clamped to 1..500; operators may omit the tenant (every tenant)."""
        scope = self.access.optional_scope(p, tenant_id)
        rows = await asyncio.to_thread(self._list, scope, status, max(1, min(limit, 500)))
        return [AgentRunView.model_validate(r.model_dump()) for r in rows]

    def _get(self, scope: str | None, run_id: str) -> tuple[AgentRun | None, HourlyReflection | None]:
        with scoped_transaction(self.engine, scope, "a run by id") as s:
            return agent_admin.get_run(s, run_id)

    async def run(self, p: Principal, run_id: str) -> AgentRunDetail:
        """One run with its reflection; 404 when missing or, for a tenant user, another tenant's
        (the same answer: the matrix refused every other role before this lookup)."""
        scope = None if self.access.is_operator(p) else p.tenant_id
        run, refl = await asyncio.to_thread(self._get, scope, run_id)
        if run is None or (run.tenant_id != p.tenant_id and not self.access.is_operator(p)):
            raise NotFoundException(f"no run {run_id!r}")
        reflection = ReflectionView.model_validate(refl.model_dump()) if refl else None
        return AgentRunDetail.model_validate({**run.model_dump(), "reflection": reflection})
