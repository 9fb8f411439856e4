"""Request and response bodies of the cycle admin routes (seed 004 P0.6 ``/api/admin/agent``).

Field names are the JSON the routes have always returned. Timestamps the service formats
itself (``updated_at``, ``at``, ``checked_at``, schedule times) are ISO 8601 strings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator


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
    """Seconds of random delay after minute 0; defaults to settings.agent.schedule_jitter_s."""


# --- switches ------------------------------------------------------------------------------------


class KillSwitch(BaseModel):
    """The global switch from the environment (``source: environment``) or the default."""

    global_enabled: bool
    source: str
    """environment | default"""
    reason: str | None


class StoredKillSwitch(BaseModel):
    """The global switch an operator stored (``source: system_config``)."""

    global_enabled: bool
    source: str
    reason: str | None
    updated_by: str | None
    updated_at: str


class ScheduleAction(BaseModel):
    scheduled_at: str
    started_at: str


class CycleScheduleView(BaseModel):
    """The tenant's hourly Temporal Schedule (``cycle-schedule-{tenant}``)."""

    id: str
    paused: bool
    note: str | None
    overlap: str
    next_action_times: list[str]
    """The next three, ISO 8601."""
    recent_actions: list[ScheduleAction]
    """The last five."""
    jitter_s: int


class TenantAgentView(BaseModel):
    id: str
    agent_enabled: bool
    agent_settings: dict[str, Any]
    schedule: CycleScheduleView | None = None


class EmailView(BaseModel):
    mode: str
    disabled: bool


class AgentStateView(BaseModel):
    kill_switch: StoredKillSwitch | KillSwitch
    tenant: TenantAgentView
    email: EmailView


# --- runs ----------------------------------------------------------------------------------------


class CycleStarted(BaseModel):
    workflow_id: str
    hour: str
    """UTC hour key, yyyymmddhh."""
    tenant_id: str


class FanoutStarted(BaseModel):
    workflow_id: str
    hour: str


class AgentRunView(BaseModel):
    """One row of ``agent_autonomous_runs`` (the same fields as ``schema.agent.AgentRun``)."""

    id: str
    tenant_id: str
    hour: str
    cycle_number: int
    trigger: str
    status: str
    phase: str
    planner: str | None
    actions_planned: int
    actions_executed: int
    actions_blocked: int
    actions_deferred: int
    error: str | None
    metrics: dict[str, Any] | None
    started_at: datetime
    completed_at: datetime | None
    duration_ms: int | None


class ReflectionView(BaseModel):
    """The run's row of ``agent_hourly_reflections`` (the fields of ``schema.agent.HourlyReflection``)."""

    id: str
    run_id: str
    tenant_id: str
    hour: str
    what_changed: dict[str, Any]
    metrics_moved: dict[str, Any]
    blocked: list[dict[str, Any]]
    next_hour_hints: list[str]
    created_at: datetime


class AgentRunDetail(AgentRunView):
    reflection: ReflectionView | None


# --- health --------------------------------------------------------------------------------------


class AlertView(BaseModel):
    kind: str
    scope: str
    severity: str
    message: str
    at: str


class EmailHealth(BaseModel):
    mode: str
    disabled: bool
    smtp_reachable: bool


class AgentHealthView(BaseModel):
    """Seed 004 ``/api/admin/agent/health``."""

    kill_switch: StoredKillSwitch | KillSwitch
    metrics: dict[str, Any]
    """The seed's metrics over the last 24 hours."""
    alerts: list[AlertView]
    email: EmailHealth
    status: str
    """healthy | degraded (warnings) | critical (a critical alert) | stopped (kill switch on)."""
    scope: str
    """The tenant id, or ``global``."""
    checked_at: str
