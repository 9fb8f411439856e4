"""Request and response bodies of the deal API (seed 004 P1.4). The signal bodies are the
workflow's own messages (``DealActivity``, ``StageChange``, ``DealClose``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from api.schemas.followups import FollowUpStatus


class ClientRequestBody(BaseModel):
    message_id: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1, max_length=10_000)


class TrackDealView(BaseModel):
    workflow_id: str


class DealView(BaseModel):
    """A ``deals`` row. ``status`` open, won, lost; ``priority`` normal or high; ``value`` a
    decimal string."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    tenant_id: str
    client_id: str | None
    contact_id: str | None
    title: str
    stage: str
    value: Decimal | None
    status: str
    last_activity_at: datetime | None
    stalled_at: datetime | None
    auto_follow_up_enabled: bool
    next_follow_up_at: datetime | None
    follow_up_count: int
    priority: str
    stage_entered_at: datetime | None
    expected_close_at: datetime | None = None
    created_at: datetime
    updated_at: datetime | None = None
    archived_at: datetime | None = None


StageHistoryItem = TypedDict(
    "StageHistoryItem", {"from": str | None, "to": str, "duration_s": int | None, "at": str}
)
"""A stage transition: from, to, seconds spent in ``from``, when (ISO 8601)."""


class DealStateView(FollowUpStatus):
    deal: DealView
    stage_history: list[StageHistoryItem]


class DealStats(BaseModel):
    """Open deals by stage, deals by status, open and stalled, open with high priority, mean
    seconds spent in each stage."""

    open_by_stage: dict[str, int]
    by_status: dict[str, int]
    stalled: int
    high_priority: int
    avg_stage_seconds: dict[str, float]
