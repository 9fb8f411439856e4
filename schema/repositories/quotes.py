"""Repository of the quote workflow (seed 004 P1.5): ``quotes`` and ``quote_activities``.
Session-style; the caller commits. ``record_event`` is idempotent on (quote, key)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.business import Quote
from schema.followups import QuoteActivity
from schema.tables import stable_id
from workflows.followups.models import QuoteEvent

FINAL_QUOTE = ("accepted", "rejected", "expired")


@dataclass(frozen=True)
class QuoteCounts:
    """Raw per-tenant figures: quotes by status, mean ``follow_up_count`` of quotes sent (None
    when none), rejected quotes by ``outcome_reason``."""

    by_status: dict[str, int]
    avg_follow_ups: float | None
    loss_reasons: dict[str | None, int]


def set_view_token(s: Session, quote_id: str, token: str) -> None:
    s.execute(update(Quote).where(col(Quote.id) == quote_id).values(view_token=token))


def ensure_view_token(s: Session, quote_id: str) -> str:
    """The quote's tracked-link token, given a new random one (128 bits, url-safe) if it has none."""
    s.execute(
        update(Quote)
        .where(col(Quote.id) == quote_id, col(Quote.view_token).is_(None))
        .values(view_token=secrets.token_urlsafe(16))
    )
    return str(s.execute(select(Quote.view_token).where(col(Quote.id) == quote_id)).scalar_one())


def by_view_token(s: Session, token: str) -> Quote | None:
    """The quote of a tracked-link token (any tenant: the token is the secret)."""
    return s.execute(select(Quote).where(Quote.view_token == token)).scalar()  # type: ignore[arg-type]


def activities(s: Session, quote_id: str) -> list[QuoteActivity]:
    """The quote's activity history, oldest first."""
    stmt = select(QuoteActivity).where(QuoteActivity.quote_id == quote_id).order_by(QuoteActivity.created_at)  # type: ignore[arg-type]
    return list(s.execute(stmt).scalars())


def counts(s: Session, tenant_id: str) -> QuoteCounts:
    t = col(Quote.tenant_id) == tenant_id
    by = s.execute(select(col(Quote.status), func.count()).where(t).group_by(col(Quote.status)))
    avg = s.execute(select(func.avg(Quote.follow_up_count)).where(t, col(Quote.status) != "draft")).scalar()
    reasons = s.execute(
        select(Quote.outcome_reason, func.count())  # type: ignore[call-overload]
        .where(Quote.tenant_id == tenant_id, Quote.status == "rejected")
        .group_by(Quote.outcome_reason)
    )
    return QuoteCounts(
        by_status={k: int(v) for k, v in by.all()},
        avg_follow_ups=float(avg) if avg is not None else None,
        loss_reasons={k: int(v) for k, v in reasons.all()},
    )


def record_event(s: Session, e: QuoteEvent) -> None:
    """A ``quote_activities`` row (once per key) and the quote's columns; a decided quote's
    status is never moved back by a late event."""
    s.execute(
        insert(QuoteActivity.__table__)  # type: ignore[attr-defined]
        .values(
            id=stable_id(e.quote_id, e.key),
            tenant_id=e.tenant_id,
            quote_id=e.quote_id,
            key=e.key,
            kind=e.kind,
            detail={"reason": e.reason, "follow_up_count": e.follow_up_count},
            created_at=e.at,
        )
        .on_conflict_do_nothing()
    )
    values: dict[str, Any] = {}
    if e.follow_up_count is not None:
        values["follow_up_count"] = e.follow_up_count
    if e.next_follow_up_at is not None:
        values["next_follow_up_at"] = e.next_follow_up_at
    if e.kind == "sent":
        values["sent_at"] = e.at
    if e.kind == "viewed":
        values["viewed_at"] = e.at
    if e.kind == "replied":  # the client answered: no more follow-ups (issue 13 Build 5)
        values["next_follow_up_at"] = None
    if e.kind in FINAL_QUOTE:
        values |= {"decided_at": e.at, "outcome_reason": e.reason, "next_follow_up_at": None}
    if values:
        s.execute(update(Quote).where(col(Quote.id) == e.quote_id).values(**values))
    if e.status is not None:
        s.execute(
            update(Quote)
            .where(col(Quote.id) == e.quote_id, col(Quote.status).not_in(FINAL_QUOTE))
            .values(status=e.status)
        )
