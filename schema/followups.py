"""Tables of the follow-up workflows (seed 004 P1.3 feedback, P1.4 deals, P1.5 quotes, P1.7 compliance).

Each long-running process is a workflow; these rows are its durable record for the API and
reports, written by its activities (idempotent on natural keys).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from schema.tables import _ts, new_id, tenant_fk


class FeedbackRequest(SQLModel, table=True):
    """One feedback request per delivered order (seed 004 P1.3).

    ``status``: scheduled → sent → responded | no_response; or skipped (an open case), failed.
    """

    __tablename__ = "feedback_requests"
    __table_args__ = (UniqueConstraint("tenant_id", "order_id", name="uq_feedback_tenant_order"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    order_id: str = Field(max_length=64)
    contact_email: str | None = Field(default=None, max_length=320)
    status: str = Field(default="scheduled", max_length=20)
    delivered_at: datetime = _ts(nullable=False)
    scheduled_for: datetime = _ts(nullable=False)
    sent_at: datetime | None = _ts()
    responded_at: datetime | None = _ts()
    response: str | None = None
    sentiment: str | None = Field(default=None, max_length=10)
    """positive, neutral, negative."""
    sentiment_source: str | None = Field(default=None, max_length=10)
    """ai or keywords."""
    case_id: str | None = Field(default=None, max_length=64)
    reason: str | None = None
    """Why it was skipped, delayed or ended without a response."""
    updated_at: datetime = _ts(nullable=False, default=True)


class Case(SQLModel, table=True):
    """A service case on an order: open cases hold feedback; negative feedback opens one."""

    __tablename__ = "cases"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    order_id: str | None = Field(default=None, max_length=64, index=True)
    kind: str = Field(default="service_recovery", max_length=30)
    status: str = Field(default="open", max_length=20)
    summary: str = ""
    source_key: str | None = Field(default=None, unique=True, max_length=300)
    created_at: datetime = _ts(nullable=False, default=True)
    closed_at: datetime | None = _ts()
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: datetime | None = _ts()
    resolved_by: str | None = Field(default=None, max_length=200)
    resolution: str | None = None
    """Why it was resolved (work queues, issue 12 Build 4)."""


class QuoteActivity(SQLModel, table=True):
    """A quote's activity history (seed 004 P1.5 ``quote_activities``)."""

    __tablename__ = "quote_activities"
    __table_args__ = (
        UniqueConstraint("quote_id", "key", name="uq_quote_activity_key"),
        tenant_fk("quote_activities", "quote_id", "quotes"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    quote_id: str = Field(index=True, max_length=64)
    key: str = Field(max_length=200)
    """Idempotency key within the quote (e.g. ``follow_up:2``)."""
    kind: str = Field(max_length=30)
    """sent, viewed, follow_up, accepted, rejected, expired."""
    detail: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    created_at: datetime = _ts(nullable=False, default=True)


class DealStageConfig(SQLModel, table=True):
    """Per-tenant stage thresholds (seed 004 P1.4); missing rows fall back to the defaults."""

    __tablename__ = "deal_stage_config"
    __table_args__ = (UniqueConstraint("tenant_id", "stage", name="uq_stage_config"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    stage: str = Field(max_length=40)
    stalled_after_days: int
    follow_up_every_days: int


class DealStageHistory(SQLModel, table=True):
    """A stage transition with the time spent in the previous stage (seed 004 P1.4)."""

    __tablename__ = "deal_stage_history"
    __table_args__ = (tenant_fk("deal_stage_history", "deal_id", "deals"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    deal_id: str = Field(index=True, max_length=64)
    from_stage: str | None = Field(default=None, max_length=40)
    to_stage: str = Field(max_length=40)
    duration_s: int | None = None
    changed_at: datetime = _ts(nullable=False, default=True)
    key: str | None = Field(default=None, unique=True, max_length=300)


class ComplianceSchedule(SQLModel, table=True):
    """A recurring compliance check schedule (seed 004 P1.7); a Temporal Schedule runs it."""

    __tablename__ = "compliance_schedule"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    name: str = Field(max_length=200)
    frequency: str = Field(max_length=20)
    """monthly, quarterly, semi_annual, annual."""
    target_type: str = Field(max_length=20)
    """clients or contacts."""
    required_fields: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    notify_days_before: int = 14
    escalate_after_days: int = 7
    due_in_days: int = 30
    """A generated check is due this many days after the run that generated it."""
    active: bool = True
    created_at: datetime = _ts(nullable=False, default=True)
