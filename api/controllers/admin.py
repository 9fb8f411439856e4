"""Admin routes of the hourly cycle (seed 004 P0.6 "Admin API at /api/admin/agent")."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from api.auth import Principal
from api.schemas.admin import (
    AgentHealthView,
    AgentRunDetail,
    AgentRunView,
    AgentStateView,
    AgentSwitchRequest,
    CycleScheduleView,
    CycleStarted,
    FanoutStarted,
    ScheduleRequest,
)
from api.services.agent import AgentAdminService
from api.services.agent_health import AgentHealthService
from api.services.agent_runs import AgentRunService

Req = Request[Principal, Any, Any]


class AgentAdminController(Controller):
    path = "/api/admin/agent"
    tags = ["agent admin"]

    @get("/", operation_id="agentState")
    async def state(
        self, request: Req, agent: NamedDependency[AgentAdminService], tenant_id: FromQuery[str | None] = None
    ) -> AgentStateView:
        """Kill switch (and where it comes from), the tenant's agent_enabled, caps and schedule."""
        return await agent.state(request.user, tenant_id)

    @post("/", operation_id="setAgentSwitch", status_code=HTTP_200_OK)
    async def switch(
        self, request: Req, data: JSONBody[AgentSwitchRequest], agent: NamedDependency[AgentAdminService]
    ) -> AgentStateView:
        """Flip the global kill switch and/or a tenant's agent (its schedule is created or paused)."""
        return await agent.switch(request.user, data)

    @post("/tenants/{tenant_id:str}/run", operation_id="runCycleNow", status_code=HTTP_202_ACCEPTED)
    async def run_now(
        self, request: Req, tenant_id: FromPath[str], agent_runs: NamedDependency[AgentRunService]
    ) -> CycleStarted:
        """Start this hour's cycle now; 409 if it already ran or is running, or the agent is off."""
        return await agent_runs.run_now(request.user, tenant_id)

    @post("/runs", operation_id="runEveryTenantNow", status_code=HTTP_202_ACCEPTED)
    async def run_all(self, request: Req, agent_runs: NamedDependency[AgentRunService]) -> FanoutStarted:
        """Operator: this hour's cycle for every enabled tenant (a tenant already run is skipped)."""
        return await agent_runs.run_all(request.user)

    @get("/tenants/{tenant_id:str}/schedule", operation_id="getCycleSchedule")
    async def get_schedule(
        self, request: Req, tenant_id: FromPath[str], agent: NamedDependency[AgentAdminService]
    ) -> CycleScheduleView:
        """The tenant's hourly schedule; 404 when it has none."""
        return await agent.get_schedule(request.user, tenant_id)

    @put("/tenants/{tenant_id:str}/schedule", operation_id="putCycleSchedule")
    async def put_schedule(
        self,
        request: Req,
        tenant_id: FromPath[str],
        data: JSONBody[ScheduleRequest],
        agent: NamedDependency[AgentAdminService],
    ) -> CycleScheduleView:
        """Create or update the hourly schedule (paused, jitter); it shows in the Web UI's Schedules."""
        return await agent.put_schedule(request.user, tenant_id, data.paused, data.jitter_s)

    @delete(
        "/tenants/{tenant_id:str}/schedule",
        operation_id="deleteCycleSchedule",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_schedule(
        self, request: Req, tenant_id: FromPath[str], agent: NamedDependency[AgentAdminService]
    ) -> None:
        """Delete the tenant's hourly schedule; 404 when it has none."""
        await agent.delete_schedule(request.user, tenant_id)

    @get("/runs", operation_id="listCycleRuns")
    async def runs(
        self,
        request: Req,
        agent_runs: NamedDependency[AgentRunService],
        tenant_id: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        limit: FromQuery[int] = 50,
    ) -> list[AgentRunView]:
        """Recent runs (``agent_autonomous_runs``), newest first; operators may omit tenant_id."""
        return await agent_runs.runs(request.user, tenant_id, status, limit)

    @get("/runs/{run_id:str}", operation_id="getCycleRun")
    async def run(
        self, request: Req, run_id: FromPath[str], agent_runs: NamedDependency[AgentRunService]
    ) -> AgentRunDetail:
        """One run with its hourly reflection."""
        return await agent_runs.run(request.user, run_id)

    @get("/health", operation_id="agentHealth")
    async def health(
        self,
        request: Req,
        agent_health: NamedDependency[AgentHealthService],
        tenant_id: FromQuery[str | None] = None,
    ) -> AgentHealthView:
        """Seed 004 health check: status, kill switch, email, the seed's metrics and open alerts."""
        return await agent_health.health(request.user, tenant_id)
