"""Request and response bodies of the compliance API (seed 004 P1.7 "Quarterly Compliance
Engine")."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workflows.common import FollowUpState
from workflows.followups.compliance_rules import Frequency, TargetType


class ScheduleCreate(BaseModel):
    """A new compliance schedule (seed 004 P1.7 ``compliance_schedule``)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    frequency: Frequency
    target_type: TargetType
    required_fields: list[str] = Field(min_length=1, max_length=20)
    """Attributes of the target rows: contacts name, email, title, client_id; clients name, credit_limit."""
    notify_days_before: int = Field(default=14, ge=0, le=365)
    escalate_after_days: int = Field(default=7, ge=0, le=365)
    due_in_days: int = Field(default=30, ge=1, le=366)


class ScheduleUpdate(BaseModel):
    """Any subset of the fields; ``active: false`` pauses the Temporal Schedule."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    frequency: Frequency | None = None
    target_type: TargetType | None = None
    required_fields: list[str] | None = Field(default=None, min_length=1, max_length=20)
    notify_days_before: int | None = Field(default=None, ge=0, le=365)
    escalate_after_days: int | None = Field(default=None, ge=0, le=365)
    due_in_days: int | None = Field(default=None, ge=1, le=366)
    active: bool | None = None


class WaiveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a waiver needs a reason")
        return v.strip()


class ScheduleRow(BaseModel):
    """A ``compliance_schedule`` row."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    tenant_id: str
    name: str
    frequency: str
    target_type: str
    required_fields: list[str]
    notify_days_before: int
    escalate_after_days: int
    due_in_days: int
    active: bool
    created_at: datetime


class CalendarView(BaseModel):
    """One calendar of the schedule's spec (UTC)."""

    months: list[int]
    day_of_month: list[int]
    hour: list[int]
    minute: list[int]


class RecentAction(BaseModel):
    scheduled_at: str
    started_at: str


class ScheduleDescription(BaseModel):
    """The Temporal Schedule: id, paused, note, overlap policy, the next 3 action times and the
    last 5 actions (ISO 8601), and its calendars."""

    id: str
    paused: bool
    note: str | None
    overlap: str
    next_action_times: list[str]
    recent_actions: list[RecentAction]
    calendar: list[CalendarView]


class ScheduleView(ScheduleRow):
    schedule: ScheduleDescription | None
    """None when the Temporal Schedule is missing."""


class ScheduleListItem(ScheduleRow):
    temporal_schedule_id: str


class RunView(BaseModel):
    schedule_id: str
    temporal_schedule_id: str


class CheckRow(BaseModel):
    """A ``compliance_checks`` row. ``status``: pending, notified, overdue, escalated,
    completed, waived."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    tenant_id: str
    schedule_id: str | None
    entity_type: str
    entity_id: str
    due_at: datetime
    status: str
    missing_fields: list[str] | None
    reminders: int
    escalated_at: datetime | None
    waiver_reason: str | None
    completed_at: datetime | None
    workflow_id: str | None


class CheckView(CheckRow):
    workflow: FollowUpState | None
    """The check workflow's ``status`` query while the check is open (None otherwise or when
    no worker answers)."""


class SignalView(BaseModel):
    check_id: str
    workflow_id: str
    signal: str


class ComplianceStats(BaseModel):
    """Counts by status, open, overdue (open and past due), escalated, and the completion rate
    (% completed of the checks not waived; null when there are none), at ``at`` (ISO 8601)."""

    tenant_id: str
    total: int
    by_status: dict[str, int]
    open: int
    overdue: int
    escalated: int
    completion_rate_pct: float | None
    at: str
