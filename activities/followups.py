"""Activities of the quote and deal workflows (seed 004 P1.4, P1.5), and the registration of
every follow-up activity (feedback's are in :mod:`activities.feedback`).

Sync, idempotent DB steps run as local activities on the agent worker; thin adapters over
:mod:`schema.repositories.quotes` and :mod:`schema.repositories.deals`, with integrity and data
errors classified as permanent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from temporalio import activity

from activities.feedback import FeedbackActivities
from activities.operations import permanent_db_errors
from core.settings import Settings
from schema.db import tenant_transaction
from schema.repositories import deals, quotes
from workflows.followups.models import DealUpdate, QuoteEvent


class QuoteDealActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name="record_quote_event")
    def record_quote_event(self, e: QuoteEvent) -> None:
        """A ``quote_activities`` row (once per key) and the quote's columns; a decided quote's
        status is never moved back by a late event."""
        with permanent_db_errors(), tenant_transaction(self._engine, e.tenant_id) as s:
            quotes.record_event(s, e)
            s.commit()

    @activity.defn(name="record_deal")
    def record_deal(self, u: DealUpdate) -> None:
        """The deal's columns; a stage change adds ``deal_stage_history`` with its duration; a
        client's explicit request adds a human task."""
        with permanent_db_errors(), tenant_transaction(self._engine, u.tenant_id) as s:
            deals.record_update(s, u)
            s.commit()


class FollowUpActivities:
    """Every activity of the feedback, quote and deal workflows, for the agent worker."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.feedback = FeedbackActivities(settings, engine)
        self.quote_deal = QuoteDealActivities(engine)

    def all(self) -> list[Any]:
        return [*self.feedback.all(), self.quote_deal.record_quote_event, self.quote_deal.record_deal]
