"""Typed messages of the feedback, quote and deal workflows (seed 004 P1.3, P1.4, P1.5).

Durations are seconds and come from ``core.settings.FollowUpSettings`` through the API, so tests
can use the time-skipping server with the real values or the dev server with short ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from workflows.models import Frozen

DAY = 86_400


# --- feedback (P1.3) --------------------------------------------------------------------------


class FeedbackInput(Frozen):
    tenant_id: str
    order_id: str
    delivered_at: datetime
    to_email: str | None
    delay_s: int = Field(default=7 * DAY, ge=0)
    """Seed 004 P1.3: 7 days after delivery."""
    open_case_recheck_s: int = Field(default=DAY, ge=1)
    open_case_max_wait_s: int = Field(default=7 * DAY, ge=0)
    """With an open case it re-checks daily for up to this long, then skips (and says why)."""
    response_window_s: int = Field(default=14 * DAY, ge=1)
    messaging_queue: str = "messaging"


class FeedbackRecord(Frozen):
    """What the ``record_feedback`` activity writes to ``feedback_requests``."""

    tenant_id: str
    order_id: str
    status: str
    at: datetime
    delivered_at: datetime | None = None
    scheduled_for: datetime | None = None
    to_email: str | None = None
    response: str | None = None
    sentiment: str | None = None
    sentiment_source: str | None = None
    case_id: str | None = None
    reason: str | None = None


class OrderRef(Frozen):
    tenant_id: str
    order_id: str


class Sentiment(Frozen):
    label: Literal["positive", "neutral", "negative"]
    source: Literal["ai", "keywords"]
    reason: str = ""


class SentimentInput(Frozen):
    tenant_id: str
    text: str = Field(max_length=20_000)


class CaseInput(Frozen):
    tenant_id: str
    order_id: str
    key: str
    summary: str


class FeedbackResult(Frozen):
    status: str
    sentiment: str | None = None
    case_id: str | None = None
    reason: str | None = None


# --- quotes (P1.5) -----------------------------------------------------------------------------


class QuoteInput(Frozen):
    tenant_id: str
    quote_id: str
    to_email: str
    amount: float | None = None
    follow_up_every_s: int = Field(default=3 * DAY, ge=1)
    """Seed 004 P1.5: follow-ups 3 days apart."""
    max_follow_ups: int = Field(default=4, ge=0, le=10)
    """Seed 004 P1.5: at most 4, with escalating urgency; then the quote expires."""
    messaging_queue: str = "messaging"
    view_url: str | None = Field(default=None, max_length=2000)
    """The absolute tracked link (``{api_public_url}/t/q/{token}``) the quote email and every
    follow-up carry (issue 12, Build 5); None: emails without a link (histories before it). The
    token is a capability: it travels only in this (encrypted) input and the email body, never
    in logs."""
    title: str | None = Field(default=None, max_length=300)
    """The quote's title: what its follow-ups look up in the tenant's bid templates (issue 14
    Build 6); None in histories before it."""


class QuoteEvent(Frozen):
    """One ``quote_activities`` row plus the quote's new status (``record_quote_event``)."""

    tenant_id: str
    quote_id: str
    key: str
    kind: Literal["sent", "viewed", "follow_up", "accepted", "rejected", "expired", "replied"]
    at: datetime
    status: str | None = None
    follow_up_count: int | None = None
    next_follow_up_at: datetime | None = None
    reason: str | None = None


class QuoteReply(Frozen):
    """The ``replied`` signal: the client answered one of the quote's emails (issue 13 Build 5).
    Ids only: the text stays in ``inbound_messages``."""

    inbound_message_id: str = Field(max_length=64)
    kind: str = Field(default="reply", max_length=20)
    """The reply's class (reply, client_request, ...)."""


class QuoteDecision(Frozen):
    outcome: Literal["accepted", "rejected"]
    reason: str | None = Field(default=None, max_length=2000)


class QuoteResult(Frozen):
    status: Literal["accepted", "rejected", "expired"]
    follow_ups: int
    reason: str | None = None


# --- deals (P1.4) ------------------------------------------------------------------------------


class StageRule(Frozen):
    stalled_after_s: int = Field(ge=1)
    follow_up_every_s: int = Field(ge=1)


class DealInput(Frozen):
    tenant_id: str
    deal_id: str
    stage: str
    to_email: str | None
    last_activity_at: datetime
    stage_entered_at: datetime
    rules: dict[str, StageRule]
    """Per stage; from ``deal_stage_config`` with the defaults filled in (``DEFAULT_STAGE_DAYS``)."""
    escalate_after: int = Field(default=3, ge=1)
    """Seed 004 P1.4: follow-ups escalate priority after 3 attempts."""
    follow_up_count: int = 0
    """Follow-ups in the current stalled period (resets on activity)."""
    sent_total: int = 0
    """Follow-ups ever sent (their outbox keys), carried across continue-as-new."""
    stalled: bool = False
    next_follow_up_at: datetime | None = None
    title: str = "your project"
    messaging_queue: str = "messaging"


class DealActivity(Frozen):
    kind: str = Field(default="activity", max_length=30)
    """call, email, meeting, reply... anything that is real engagement."""


class StageChange(Frozen):
    stage: str = Field(min_length=1, max_length=40)


class ClientRequestSignal(Frozen):
    message_id: str
    text: str = Field(max_length=10_000)


class DealClose(Frozen):
    outcome: Literal["won", "lost"]
    reason: str | None = None


class DealUpdate(Frozen):
    """What ``record_deal`` writes: the deal's columns and, with ``stage``, a history row."""

    tenant_id: str
    deal_id: str
    at: datetime
    key: str
    stalled: bool | None = None
    last_activity_at: datetime | None = None
    follow_up_count: int | None = None
    next_follow_up_at: datetime | None = None
    priority: str | None = None
    from_stage: str | None = None
    stage: str | None = None
    stage_duration_s: int | None = None
    status: str | None = None
    task_title: str | None = None
    """Create a human task (only for an explicit client request, seed 004 P1.4)."""


class DealResult(Frozen):
    status: Literal["won", "lost", "continued"]
    follow_ups: int
