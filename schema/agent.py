"""Tables of the hourly cycle and its guardrails (seed 004 P0 "Tables Created", P0.6, P0.7).

Deviations from the seed, on purpose:
- No ``agent_tenant_locks``: the id ``cycle-{tenant}-{yyyymmddhh}`` refuses a second start for
  the hour; the partial unique index ``uq_run_running_tenant`` a second running cycle (0005).
- New: ``agent_follow_up_owners`` (quotes and deals handed to their follow-up workflows),
  ``email_outbox`` (unique idempotency key: a retried send never sends twice, issue 4),
  ``agent_deferred_actions`` (rate-limited actions wait for the next hour, seed 004 P0.6) and
  ``agent_run_actions`` (each action's verdict and outcome; the seeds' kanban cards).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from schema.tables import _ts, new_id, tenant_fk, tenant_unique

_RUNNING = text("status = 'running'")


def _json(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSONB, nullable=nullable))


class AgentRun(SQLModel, table=True):
    """One hourly cycle (seed 004 ``agent_autonomous_runs``); the row id is the workflow id."""

    __tablename__ = "agent_autonomous_runs"
    __table_args__ = (
        Index("uq_run_running_tenant", "tenant_id", unique=True, postgresql_where=_RUNNING),
        tenant_unique("agent_autonomous_runs"),
    )
    id: str = Field(primary_key=True, max_length=200)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    hour: str = Field(max_length=10, index=True)
    cycle_number: int
    trigger: str = Field(default="schedule", max_length=20)
    status: str = Field(default="running", max_length=20, index=True)
    """running, completed, failed, halted (by a kill switch), skipped (switched off, or locked: see error)."""
    phase: str = Field(default="plan", max_length=10)
    planner: str | None = Field(default=None, max_length=10)
    actions_planned: int = 0
    actions_executed: int = 0
    actions_blocked: int = 0
    actions_deferred: int = 0
    error: str | None = None
    metrics: dict[str, Any] | None = _json()
    started_at: datetime = _ts(nullable=False, default=True)
    completed_at: datetime | None = _ts()
    duration_ms: int | None = None


class AgentRunAction(SQLModel, table=True):
    __tablename__ = "agent_run_actions"
    __table_args__ = (
        UniqueConstraint("run_id", "action_key", name="uq_run_action"),
        tenant_fk("agent_run_actions", "run_id", "agent_autonomous_runs"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    run_id: str = Field(index=True, max_length=200)
    tenant_id: str = Field(index=True, max_length=63)
    action_key: str = Field(max_length=300)
    kind: str = Field(max_length=30)
    target_type: str = Field(max_length=30)
    target_id: str = Field(max_length=200)
    origin: str = Field(max_length=10)
    verdict: str = Field(max_length=10)  # allow, block, defer, halt
    outcome: str | None = Field(default=None, max_length=30)
    detail: dict[str, Any] | None = _json()
    created_at: datetime = _ts(nullable=False, default=True)


class HourlyReflection(SQLModel, table=True):
    """Reflect's record (seed 004 ``agent_hourly_reflections``)."""

    __tablename__ = "agent_hourly_reflections"
    __table_args__ = (tenant_fk("agent_hourly_reflections", "run_id", "agent_autonomous_runs"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    run_id: str = Field(unique=True, max_length=200)
    tenant_id: str = Field(index=True, max_length=63)
    hour: str = Field(max_length=10)
    what_changed: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    metrics_moved: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    blocked: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    next_hour_hints: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = _ts(nullable=False, default=True)


class EngagementClock(SQLModel, table=True):
    """The 21-day engagement clock of one contact (seed 004 P0.4)."""

    __tablename__ = "engagement_clocks"
    __table_args__ = (
        UniqueConstraint("tenant_id", "contact_id", name="uq_clock_tenant_contact"),
        tenant_fk("engagement_clocks", "contact_id", "contacts"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    contact_id: str = Field(max_length=64)
    client_id: str | None = Field(default=None, max_length=64)
    last_touch_at: datetime | None = _ts()
    last_touch_type: str | None = Field(default=None, max_length=30)
    last_touch_by: str | None = Field(default=None, max_length=200)
    next_touch_due_at: datetime = _ts(nullable=False)
    compliance_status: str = Field(default="compliant", max_length=20)
    days_overdue: int = 0
    priority_score: float = 0.0
    updated_at: datetime = _ts(nullable=False, default=True)


class PolicyViolation(SQLModel, table=True):
    """A blocked (or deferred) action with its data and reason (seed 004 P0.3 audit trail)."""

    __tablename__ = "agent_policy_violations"
    __table_args__ = (UniqueConstraint("tenant_id", "action_key", "rule", name="uq_violation_action_rule"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    run_id: str | None = Field(default=None, max_length=200)
    action_key: str = Field(max_length=300)
    action_type: str = Field(max_length=30)
    action_data: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    rule: str = Field(max_length=30)
    reason: str
    blocked: bool = True
    created_at: datetime = _ts(nullable=False, default=True)


class RateLimitWindow(SQLModel, table=True):
    """Hourly counters per tenant and kind (seed 004 P0.6 ``agent_rate_limits``)."""

    __tablename__ = "agent_rate_limits"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "window", name="uq_rate_tenant_kind_window"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    kind: str = Field(max_length=20)
    window: str = Field(max_length=10)  # the hour, yyyymmddhh UTC
    count: int = 0


class DeferredAction(SQLModel, table=True):
    __tablename__ = "agent_deferred_actions"
    __table_args__ = (UniqueConstraint("tenant_id", "action_key", name="uq_deferred_tenant_action"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    action_key: str = Field(max_length=300)
    action: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    not_before_hour: str = Field(max_length=10)
    status: str = Field(default="pending", max_length=20)  # pending, done, dropped
    deferrals: int = 1
    created_at: datetime = _ts(nullable=False, default=True)


class EmailSuppression(SQLModel, table=True):
    """Addresses never to email: bounce, opt_out, complaint, manual (seed 004 P0.7.2)."""

    __tablename__ = "email_suppressions"
    __table_args__ = (UniqueConstraint("tenant_id", "email", name="uq_suppression_tenant_email"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    email: str = Field(max_length=320)  # lower-cased
    reason: str = Field(max_length=20)
    source: str | None = Field(default=None, max_length=300)
    created_at: datetime = _ts(nullable=False, default=True)


class OutboxEmail(SQLModel, table=True):
    """One outgoing email, unique on its idempotency key.

    ``status``: queued → sending → sent; or dry_run, blocked (mode/suppression/cap), failed, unknown
    (the server's final reply was lost; never resent automatically, an alert is raised).
    """

    __tablename__ = "email_outbox"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    idempotency_key: str = Field(unique=True, max_length=300)
    run_id: str | None = Field(default=None, max_length=200)
    to_email: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body: str
    status: str = Field(default="queued", max_length=20, index=True)
    mode: str | None = Field(default=None, max_length=20)
    message_id: str = Field(max_length=300)
    detail: str | None = None
    attempts: int = 0
    created_at: datetime = _ts(nullable=False, default=True)
    sent_at: datetime | None = _ts()


class EmailProviderFailure(SQLModel, table=True):
    """SMTP failures (seed 004 P0.7.3 "repeated provider failures": 5+ in 15 min alerts)."""

    __tablename__ = "email_provider_failures"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str | None = Field(default=None, max_length=63)
    code: int | None = None
    error: str
    created_at: datetime = _ts(nullable=False, default=True)


class AgentTask(SQLModel, table=True):
    """A human task the agent created; only for the policy's three reasons (seed 004 guardrail 1)."""

    __tablename__ = "agent_tasks"
    __table_args__ = (UniqueConstraint("tenant_id", "action_key", name="uq_task_tenant_action"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    action_key: str = Field(max_length=300)
    title: str = Field(max_length=300)
    reason: str = Field(max_length=30)
    target_type: str = Field(max_length=30)
    target_id: str = Field(max_length=200)
    status: str = Field(default="open", max_length=20)
    """open, claimed, done, cancelled."""
    created_at: datetime = _ts(nullable=False, default=True)
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: datetime | None = _ts()
    resolved_by: str | None = Field(default=None, max_length=200)
    resolution: str | None = None
    """Why it was resolved (work queues, issue 12 Build 4)."""
    resolved_at: datetime | None = _ts()


class ResearchJob(SQLModel, table=True):
    """Research or contact discovery the agent queued (seed 004 guardrail 2)."""

    __tablename__ = "agent_research_jobs"
    __table_args__ = (UniqueConstraint("tenant_id", "action_key", name="uq_research_tenant_action"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    action_key: str = Field(max_length=300)
    kind: str = Field(max_length=30)
    target_type: str = Field(max_length=30)
    target_id: str = Field(max_length=200)
    status: str = Field(default="queued", max_length=20)
    created_at: datetime = _ts(nullable=False, default=True)


class FollowUpOwner(SQLModel, table=True):
    """A quote or deal the cycle handed to its follow-up workflow, the only sender of its
    follow-ups (issue 9, part 7); ``run_id`` is the cycle that claimed it."""

    __tablename__ = "agent_follow_up_owners"
    __table_args__ = (
        UniqueConstraint("tenant_id", "target_type", "target_id", name="uq_follow_up_owner_target"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    target_type: str = Field(max_length=10)  # quote or deal
    target_id: str = Field(max_length=64)
    workflow_id: str = Field(max_length=200)
    run_id: str = Field(max_length=200)
    created_at: datetime = _ts(nullable=False, default=True)
