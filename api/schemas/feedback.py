"""Request and response bodies of the feedback API (seed 004 P1.3)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.followups import FollowUpStatus, Sparse


class FeedbackAnswer(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


class DeliveredView(Sparse):
    """202 ``started: true`` with ``delivered_at`` (ISO 8601); 200 ``started: false`` when the
    order's feedback workflow already existed."""

    workflow_id: str
    started: bool
    delivered_at: str | None = None


class FeedbackRequestView(BaseModel):
    """A ``feedback_requests`` row. ``status``: scheduled, sent, responded, no_response,
    skipped, failed; ``sentiment`` positive, neutral or negative from ``ai`` or ``keywords``."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    tenant_id: str
    order_id: str
    contact_email: str | None
    status: str
    delivered_at: datetime
    scheduled_for: datetime
    sent_at: datetime | None
    responded_at: datetime | None
    response: str | None
    sentiment: str | None
    sentiment_source: str | None
    case_id: str | None
    reason: str | None
    updated_at: datetime


class FeedbackStateView(FollowUpStatus):
    feedback_request: FeedbackRequestView | None
