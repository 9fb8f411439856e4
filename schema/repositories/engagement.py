"""Engagement clocks (seed 004 P0.4): the 21-day clock of every contact, refreshed by Plan and
restarted by a touch (an email, a broadcast, a reply). Rules: :mod:`workflows.cycle.engagement`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import EngagementClock
from schema.business import Contact, Deal, Quote
from schema.tables import stable_id
from workflows.cycle import engagement


def _upsert(
    s: Session, tenant_id: str, contact_id: str, client_id: str | None, values: dict[str, Any]
) -> None:
    stmt = insert(EngagementClock.__table__).values(  # type: ignore[attr-defined]
        id=stable_id(tenant_id, contact_id),
        tenant_id=tenant_id,
        contact_id=contact_id,
        client_id=client_id,
        **values,
    )
    s.execute(stmt.on_conflict_do_update(constraint="uq_clock_tenant_contact", set_=values))


def refresh_clocks(s: Session, tenant_id: str, now: datetime) -> None:
    """Create missing clocks and recompute status, days overdue and priority of every contact
    (one multi-row upsert, issue 17 Build 6)."""
    live = (col(Contact.tenant_id) == tenant_id, col(Contact.archived_at).is_(None))
    deals = (
        select(func.count())
        .where(
            col(Deal.tenant_id) == tenant_id, col(Deal.status) == "open", col(Deal.contact_id) == Contact.id
        )
        .scalar_subquery()
    )
    quotes = (
        select(func.count())
        .where(
            col(Quote.tenant_id) == tenant_id,
            col(Quote.status).in_(("sent", "viewed")),
            col(Quote.contact_id) == Contact.id,
        )
        .scalar_subquery()
    )
    found = s.execute(  # one round trip: each live contact, its clock's last touch, its open work
        select(Contact, EngagementClock.last_touch_at, deals, quotes)
        .outerjoin(
            EngagementClock,
            (col(EngagementClock.contact_id) == Contact.id) & (col(EngagementClock.tenant_id) == tenant_id),
        )
        .where(*live)
    ).all()
    rows = []
    for c, last, n_deals, n_quotes in found:
        st = engagement.clock_state(last, c.created_at, now)
        score = engagement.priority_score(st.days_overdue, last is None, n_deals, n_quotes)
        rows.append(
            {
                "id": stable_id(tenant_id, c.id),
                "tenant_id": tenant_id,
                "contact_id": c.id,
                "client_id": c.client_id,
                "next_touch_due_at": st.next_due_at,
                "compliance_status": st.status,
                "days_overdue": st.days_overdue,
                "priority_score": score if st.status == "overdue" else 0.0,
                "updated_at": now,
            }
        )
    if rows:
        stmt = insert(EngagementClock.__table__).values(rows)  # type: ignore[attr-defined]
        refreshed = ("next_touch_due_at", "compliance_status", "days_overdue", "priority_score", "updated_at")
        s.execute(
            stmt.on_conflict_do_update(
                constraint="uq_clock_tenant_contact", set_={k: stmt.excluded[k] for k in refreshed}
            )
        )


def touch(s: Session, tenant_id: str, contact_id: str, at: datetime, kind: str, by: str) -> None:
    """Record a touch: the clock restarts its 21 days (seed 004 P0.4 recordEngagementTouch).
    Another tenant's contact (or an unknown one) is ignored."""
    contact = s.get(Contact, contact_id)
    if contact is None or contact.tenant_id != tenant_id:
        return
    st = engagement.touch(None, at)
    values = {
        "last_touch_at": at,
        "last_touch_type": kind,
        "last_touch_by": by,
        "next_touch_due_at": st.next_due_at,
        "compliance_status": st.status,
        "days_overdue": 0,
        "priority_score": 0.0,
        "updated_at": at,
    }
    _upsert(s, tenant_id, contact_id, contact.client_id, values)


def contacts_by_email(s: Session, tenant_id: str, emails: set[str]) -> dict[str, Contact]:
    """The tenant's contacts with any of ``emails`` (case-insensitive), in one query, keyed by the
    lower-cased address (a page of inbound messages' senders)."""
    wanted = {e.lower() for e in emails if e}
    if not wanted:
        return {}
    found = s.execute(
        select(Contact).where(col(Contact.tenant_id) == tenant_id, func.lower(Contact.email).in_(wanted))
    ).scalars()
    return {str(c.email).lower(): c for c in found}


def contact_by_email(s: Session, tenant_id: str, email: str) -> Contact | None:
    """The tenant's contact with this address (case-insensitive), if any."""
    return s.execute(
        select(Contact).where(col(Contact.tenant_id) == tenant_id, func.lower(Contact.email) == email.lower())
    ).scalar()
