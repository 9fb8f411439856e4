"""Repository of the feedback workflow (seed 004 P1.3): orders delivered, ``feedback_requests``,
service-recovery ``cases``. Session-style; the caller commits. Writes are idempotent on natural
keys (tenant + order; the case's source key), so an activity retry changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.business import Contact, Order
from schema.followups import Case, FeedbackRequest
from schema.tables import stable_id
from workflows.followups.models import CaseInput, FeedbackRecord

RECORD_FIELDS = (
    "delivered_at",
    "scheduled_for",
    "response",
    "sentiment",
    "sentiment_source",
    "case_id",
    "reason",
)


def mark_delivered(s: Session, order_id: str, at: datetime) -> None:
    """Status ``delivered`` and ``delivered_at`` on the order."""
    s.execute(update(Order).where(col(Order.id) == order_id).values(status="delivered", delivered_at=at))


def first_client_email(s: Session, tenant_id: str, client_id: str | None) -> str | None:
    """The email of the client's oldest contact that has one (None without a client)."""
    if not client_id:
        return None
    return s.execute(
        select(col(Contact.email))
        .where(
            col(Contact.tenant_id) == tenant_id,
            col(Contact.client_id) == client_id,
            col(Contact.email).is_not(None),
        )
        .order_by(col(Contact.created_at))
    ).scalar()


def feedback_request(s: Session, tenant_id: str, order_id: str) -> FeedbackRequest | None:
    return s.execute(
        select(FeedbackRequest).where(
            col(FeedbackRequest.tenant_id) == tenant_id, col(FeedbackRequest.order_id) == order_id
        )
    ).scalar()


def upsert_feedback(s: Session, r: FeedbackRecord) -> None:
    """Upsert the order's ``feedback_requests`` row (unique per tenant and order) with the
    workflow's status and the facts it carries; ``sent_at``/``responded_at`` follow the status."""
    values: dict[str, Any] = {"status": r.status, "updated_at": r.at}
    for field in RECORD_FIELDS:
        if getattr(r, field) is not None:
            values[field] = getattr(r, field)
    if r.to_email is not None:
        values["contact_email"] = r.to_email
    if r.status == "sent":
        values["sent_at"] = r.at
    if r.status == "responded":
        values["responded_at"] = r.at
    stmt = insert(FeedbackRequest.__table__).values(  # type: ignore[attr-defined]
        id=stable_id(r.tenant_id, r.order_id),
        tenant_id=r.tenant_id,
        order_id=r.order_id,
        delivered_at=r.delivered_at or r.at,
        scheduled_for=r.scheduled_for or r.at,
        **{k: v for k, v in values.items() if k not in ("delivered_at", "scheduled_for")},
    )
    s.execute(stmt.on_conflict_do_update(constraint="uq_feedback_tenant_order", set_=values))


def open_case_id(s: Session, tenant_id: str, order_id: str) -> str | None:
    """The id of an open case on the order, if any."""
    return s.execute(
        select(col(Case.id)).where(
            col(Case.tenant_id) == tenant_id, col(Case.order_id) == order_id, col(Case.status) == "open"
        )
    ).scalar()


def open_case(s: Session, c: CaseInput) -> str:
    """Open a service-recovery case once per ``c.key``; returns its id (the existing one on retry)."""
    s.execute(
        insert(Case.__table__)  # type: ignore[attr-defined]
        .values(
            id=stable_id(c.key),
            tenant_id=c.tenant_id,
            order_id=c.order_id,
            kind="service_recovery",
            status="open",
            summary=c.summary,
            source_key=c.key,
            created_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing()
    )
    return str(s.execute(select(col(Case.id)).where(col(Case.source_key) == c.key)).scalar_one())
