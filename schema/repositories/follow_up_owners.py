"""Which quotes and deals the cycle has handed to their follow-up workflows (issue 9, part 7).

A sent quote is owned by ``Quote`` (``quote-{tenant}-{quote}``) and an open deal by ``Deal``
(``deal-{tenant}-{deal}``); the cycle never emails them itself. A quote whose workflow already
recorded its ``sent`` activity, or a target with an owner row, is not claimed again, so the cycle
tries each target once. Claims are keyed on the run, so a retried read returns the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import FollowUpOwner
from schema.business import Contact, Deal, Quote
from schema.followups import QuoteActivity
from schema.tables import stable_id


@dataclass(frozen=True)
class ClaimedQuote:
    quote: Quote
    to_email: str | None


@dataclass(frozen=True)
class ClaimedDeal:
    deal: Deal
    to_email: str | None


def _unowned(target_type: str, id_col: object, tenant_id: str) -> object:
    return ~(
        select(FollowUpOwner.id)
        .where(
            col(FollowUpOwner.tenant_id) == tenant_id,
            col(FollowUpOwner.target_type) == target_type,
            col(FollowUpOwner.target_id) == id_col,
        )
        .exists()
    )


def _claim(s: Session, tenant_id: str, target_type: str, ids: list[str], run_id: str, now: datetime) -> None:
    for id_ in ids:
        s.execute(
            insert(FollowUpOwner.__table__)  # type: ignore[attr-defined]
            .values(
                id=stable_id(tenant_id, target_type, id_),
                tenant_id=tenant_id,
                target_type=target_type,
                target_id=id_,
                workflow_id=f"{target_type}-{tenant_id}-{id_}",
                run_id=run_id,
                created_at=now,
            )
            .on_conflict_do_nothing()
        )


def _claimed(target_type: str, run_id: str) -> object:
    return select(FollowUpOwner.target_id).where(
        col(FollowUpOwner.run_id) == run_id, col(FollowUpOwner.target_type) == target_type
    )


def claim_quotes(
    s: Session, tenant_id: str, run_id: str, now: datetime, limit: int, fresh: bool = False
) -> list[ClaimedQuote]:
    """Sent or viewed quotes with a recipient that no workflow has sent (no ``sent`` activity)
    and nobody owns: claimed for this run. Returns this run's claims (the same on a retry).
    ``fresh``: the run was created in this unit of work, so it holds no earlier claim (with
    nothing to claim, the claims are not read: one round trip, not two)."""
    sent_by_workflow = (
        select(QuoteActivity.id)
        .where(col(QuoteActivity.quote_id) == Quote.id, col(QuoteActivity.kind) == "sent")
        .exists()
    )
    ids = s.execute(
        select(Quote.id)
        .join(Contact, col(Contact.id) == Quote.contact_id)
        .where(
            col(Quote.tenant_id) == tenant_id,
            col(Contact.email).is_not(None),
            col(Contact.email) != "",
            col(Quote.status).in_(("sent", "viewed")),
            col(Quote.archived_at).is_(None),
            col(Contact.archived_at).is_(None),
            ~sent_by_workflow,
            _unowned("quote", Quote.id, tenant_id),  # type: ignore[arg-type]
        )
        .order_by(Quote.sent_at)
        .limit(limit)
    ).scalars()
    found = list(ids)
    if not found and fresh:  # nothing claimed now, and a fresh run holds no earlier claim
        return []
    _claim(s, tenant_id, "quote", found, run_id, now)
    rows = s.execute(
        select(Quote, Contact.email)
        .outerjoin(Contact, col(Contact.id) == Quote.contact_id)
        .where(col(Quote.tenant_id) == tenant_id, col(Quote.id).in_(_claimed("quote", run_id)))  # type: ignore[arg-type]
        .order_by(Quote.sent_at)
    ).all()
    return [ClaimedQuote(quote=q, to_email=e) for q, e in rows]


def claim_deals(
    s: Session, tenant_id: str, run_id: str, now: datetime, limit: int, fresh: bool = False
) -> list[ClaimedDeal]:
    """Open deals with automatic follow-ups that nobody owns: claimed for this run. Returns this
    run's claims (the same on a retry). ``fresh``: as for :func:`claim_quotes`."""
    ids = s.execute(
        select(Deal.id)
        .where(
            col(Deal.tenant_id) == tenant_id,
            col(Deal.status) == "open",
            col(Deal.auto_follow_up_enabled),
            col(Deal.archived_at).is_(None),
            _unowned("deal", Deal.id, tenant_id),  # type: ignore[arg-type]
        )
        .order_by(Deal.created_at)
        .limit(limit)
    ).scalars()
    found = list(ids)
    if not found and fresh:  # nothing claimed now, and a fresh run holds no earlier claim
        return []
    _claim(s, tenant_id, "deal", found, run_id, now)
    rows = s.execute(
        select(Deal, Contact.email)
        .outerjoin(Contact, col(Contact.id) == Deal.contact_id)
        .where(col(Deal.tenant_id) == tenant_id, col(Deal.id).in_(_claimed("deal", run_id)))  # type: ignore[arg-type]
        .order_by(Deal.created_at)
    ).all()
    return [ClaimedDeal(deal=d, to_email=e) for d, e in rows]
