"""Pure builders of the quote and deal follow-up workflows' inputs: the one place both starters
(the API's ``sendQuote`` and ``trackDeal``, and the hourly cycle's hand-off, issue 9 part 7) build
them.

``Quote`` (``quote-{tenant}-{quote}``, seed 004 P1.5) and ``Deal`` (``deal-{tenant}-{deal}``,
P1.4) are the only senders of quote and deal follow-ups; their timings come from
``core.settings.FollowUpSettings`` and ``deal_stage_config`` (with
:data:`workflows.followups.rules.DEFAULT_STAGE_DAYS`), never from constants here.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from core.settings import FollowUpSettings
from workflows.followups.models import DealInput, QuoteInput, StageRule
from workflows.followups.rules import DEFAULT_STAGE_DAYS


def quote_view_url(api_public_url: str, token: str) -> str:
    """The quote's absolute tracked link: ``{api_public_url}/t/q/{token}`` (the API's
    ``quoteTrackedLink`` route; ``settings.api_public_url``, issue 12 Build 5)."""
    return f"{api_public_url.rstrip('/')}/t/q/{token}"


def quote_input(
    tenant_id: str,
    quote_id: str,
    to_email: str,
    amount: Decimal | float | None,
    f: FollowUpSettings,
    view_url: str | None = None,
    title: str | None = None,
) -> QuoteInput:
    """``Quote``'s input: every ``quote_follow_up_every_s``, at most ``quote_max_follow_ups``;
    its emails carry ``view_url`` (:func:`quote_view_url`) when given; ``title`` (the quote's)
    is what its follow-ups look up in the tenant's bid templates."""
    return QuoteInput(
        tenant_id=tenant_id,
        quote_id=quote_id,
        to_email=to_email,
        amount=float(amount) if amount else None,
        follow_up_every_s=f.quote_follow_up_every_s,
        max_follow_ups=f.quote_max_follow_ups,
        view_url=view_url,
        title=(title or "").strip()[:300] or None,
    )


def stage_rules(stage_days: dict[str, tuple[int, int]], day_s: int) -> dict[str, StageRule]:
    """Per stage (stalled after, follow up every) in seconds: the tenant's ``deal_stage_config``
    over the defaults, with a "day" of ``day_s`` seconds."""
    days = {**DEFAULT_STAGE_DAYS, **stage_days}
    return {
        k: StageRule(stalled_after_s=a * day_s, follow_up_every_s=b * day_s) for k, (a, b) in days.items()
    }


def deal_input(
    tenant_id: str,
    deal_id: str,
    *,
    stage: str,
    title: str,
    to_email: str | None,
    last_activity_at: datetime,
    stage_entered_at: datetime,
    follow_up_count: int,
    stage_days: dict[str, tuple[int, int]],
    settings: FollowUpSettings,
) -> DealInput:
    """``Deal``'s input, as the API's ``trackDeal`` builds it."""
    return DealInput(
        tenant_id=tenant_id,
        deal_id=deal_id,
        stage=stage,
        to_email=to_email,
        last_activity_at=last_activity_at,
        stage_entered_at=stage_entered_at,
        rules=stage_rules(stage_days, settings.day_s),
        escalate_after=settings.deal_escalate_after,
        title=title,
        follow_up_count=follow_up_count,
    )
