"""Admin routes of the hourly cycle (seed 004 P0.6 "Admin API at /api/admin/agent")."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from pydantic import BaseModel, Field, model_validator

from api.auth import Principal
from api.services.agent import AgentAdminService


class AgentSwitchRequest(BaseModel):
    """Set the global kill switch (operator) and/or a tenant's ``agent_enabled``."""

    global_enabled: bool | None = None
    agent_enabled: bool | None = None
    tenant_id: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    """Defaults to the token's tenant."""
    reason: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _something(self) -> AgentSwitchRequest:
        if self.global_enabled is None and self.agent_enabled is None:
            raise ValueError("give global_enabled and/or agent_enabled")
        return self


class ScheduleRequest(BaseModel):
    paused: bool = False
    jitter_s: int | None = Field(default=None, ge=0, le=3000)


class AgentAdminController(Controller):
    path = "/api/admin/agent"
    tags = ["agent admin"]

    @get("/", operation_id="agentState")
    async def state(
        self,
        request: Request[Principal, Any, Any],
        agent: NamedDependency[AgentAdminService],
        tenant_id: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        """Kill switch (and where it comes from), the tenant's agent_enabled, caps and schedule."""
        return await agent.state(request.user, tenant_id)

    @post("/", operation_id="setAgentSwitch", status_code=HTTP_200_OK)
    async def switch(
        self,
        request: Request[Principal, Any, Any],
        data: JSONBody[AgentSwitchRequest],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, Any]:
        """Flip the global kill switch and/or a tenant's agent (its schedule is created or paused)."""
        if data.global_enabled is not None:
            await agent.set_global(request.user, data.global_enabled, data.reason)
        tenant = data.tenant_id
        if data.agent_enabled is not None:
            tenant = await agent.set_tenant(request.user, data.tenant_id, data.agent_enabled, data.reason)
        return await agent.state(request.user, tenant)

    @post("/tenants/{tenant_id:str}/run", operation_id="runCycleNow", status_code=HTTP_202_ACCEPTED)
    async def run_now(
        self,
        request: Request[Principal, Any, Any],
        tenant_id: FromPath[str],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, str]:
        """Start this hour's cycle now; 409 if it already ran or is running, or the agent is off."""
        return await agent.run_now(request.user, tenant_id)

    @post("/runs", operation_id="runEveryTenantNow", status_code=HTTP_202_ACCEPTED)
    async def run_all(
        self, request: Request[Principal, Any, Any], agent: NamedDependency[AgentAdminService]
    ) -> dict[str, str]:
        """Operator: this hour's cycle for every enabled tenant (a tenant already run is skipped)."""
        return await agent.run_all(request.user, agent.settings.agent.fanout_batch)

    @get("/tenants/{tenant_id:str}/schedule", operation_id="getCycleSchedule")
    async def get_schedule(
        self,
        request: Request[Principal, Any, Any],
        tenant_id: FromPath[str],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, Any]:
        return await agent.get_schedule(request.user, tenant_id)

    @put("/tenants/{tenant_id:str}/schedule", operation_id="putCycleSchedule")
    async def put_schedule(
        self,
        request: Request[Principal, Any, Any],
        tenant_id: FromPath[str],
        data: JSONBody[ScheduleRequest],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, Any]:
        """Create or update the hourly schedule (paused, jitter); it shows in the Web UI's Schedules."""
        return await agent.put_schedule(request.user, tenant_id, data.paused, data.jitter_s)

    @delete(
        "/tenants/{tenant_id:str}/schedule",
        operation_id="deleteCycleSchedule",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_schedule(
        self,
        request: Request[Principal, Any, Any],
        tenant_id: FromPath[str],
        agent: NamedDependency[AgentAdminService],
    ) -> None:
        await agent.delete_schedule(request.user, tenant_id)

    @get("/runs", operation_id="listCycleRuns")
    async def runs(
        self,
        request: Request[Principal, Any, Any],
        agent: NamedDependency[AgentAdminService],
        tenant_id: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
    ) -> list[dict[str, Any]]:
        """Recent runs (``agent_autonomous_runs``), newest first; operators may omit tenant_id."""
        return await agent.runs(request.user, tenant_id, status, max(1, min(limit, 500)))

    @get("/runs/{run_id:str}", operation_id="getCycleRun")
    async def run(
        self,
        request: Request[Principal, Any, Any],
        run_id: FromPath[str],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, Any]:
        """One run with its hourly reflection."""
        return await agent.run(request.user, run_id)

    @get("/health", operation_id="agentHealth")
    async def health(
        self,
        request: Request[Principal, Any, Any],
        agent: NamedDependency[AgentAdminService],
        tenant_id: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        """Seed 004 health check: status, kill switch, email, the seed's metrics and open alerts."""
        return await agent.health(request.user, tenant_id)
