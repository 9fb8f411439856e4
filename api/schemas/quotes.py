"""Request and response bodies of the quote API (seed 004 P1.5)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.followups import FollowUpStatus


class WinRequest(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


class RejectRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    """Why the client said no (seed 004 P1.5: loss reason captured)."""


class SendQuoteView(BaseModel):
    workflow_id: str
    view_url: str
    """The absolute tracked link, ``{api_public_url}/t/q/{token}``, as the quote email carries
    it (no auth; opening it counts as viewed)."""


class QuoteView(BaseModel):
    """A ``quotes`` row without its tracked-link token. ``status``: draft, sent, viewed,
    accepted, rejected, expired; ``amount`` a decimal string."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    tenant_id: str
    client_id: str | None
    contact_id: str | None
    status: str
    amount: Decimal | None
    sent_at: datetime | None
    follow_up_count: int
    next_follow_up_at: datetime | None
    viewed_at: datetime | None
    decided_at: datetime | None
    outcome_reason: str | None
    title: str | None = None
    line_items: list[dict[str, Any]] | None = None
    valid_until: datetime | None = None
    created_at: datetime
    updated_at: datetime | None = None
    archived_at: datetime | None = None


class QuoteActivityItem(BaseModel):
    kind: str
    """sent, viewed, follow_up, accepted, rejected, expired."""
    key: str
    at: str
    """ISO 8601."""
    detail: dict[str, Any] | None


class QuoteStateView(FollowUpStatus):
    quote: QuoteView
    activities: list[QuoteActivityItem]


class QuoteStats(BaseModel):
    """Counts by status; win rate (%) over decided quotes (accepted, rejected, expired), null
    when none; mean follow-ups of quotes sent; rejected quotes by reason."""

    by_status: dict[str, int]
    win_rate: float | None
    avg_follow_ups: float | None
    loss_reasons: dict[str, int]
