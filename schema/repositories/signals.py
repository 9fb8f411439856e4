"""Opportunity signals (seed 004 P1.6, issue 13 Build 8), session-style: the caller owns the
transaction (``schema.db.tenant_transaction``) and commits.

- :func:`record_signals` is idempotent per (tenant, inbound message, kind): a retried or
  re-processed message inserts nothing new (``ON CONFLICT DO NOTHING``).
- :func:`unacted` is what the planner sees: not yet acted on, strongest then newest first.
- :func:`for_planner`: the unacted ones as the cycle's context items, with the contact's email;
- :func:`mark_acted` stamps ``acted_on_at`` once; stamping again changes nothing.
- :func:`list_signals` pages for the API, newest first (keyset, :mod:`schema.repositories.paging`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.business import Contact
from schema.repositories.paging import Page, keyset_page
from schema.signals import OpportunitySignal
from schema.tables import new_id
from workflows.cycle.context import SignalItem
from workflows.mail_models import DetectedSignal


def record_signals(
    s: Session,
    tenant_id: str,
    inbound_message_id: str,
    signals: Sequence[DetectedSignal],
    *,
    contact_id: str | None = None,
    account_id: str | None = None,
) -> int:
    """Insert ``signals`` found in one inbound message; returns how many were new (0 on a repeat)."""
    if not signals:
        return 0
    rows = [
        {
            "id": new_id(),
            "tenant_id": tenant_id,
            "inbound_message_id": inbound_message_id,
            "contact_id": contact_id,
            "account_id": account_id,
            "kind": sig.kind,
            "strength": sig.strength,
            "evidence": sig.evidence[:300],
        }
        for sig in {sig.kind: sig for sig in signals}.values()
    ]
    stmt = (
        insert(OpportunitySignal)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["tenant_id", "inbound_message_id", "kind"])
        .returning(col(OpportunitySignal.id))
    )
    return len(s.execute(stmt).scalars().all())


def unacted(s: Session, tenant_id: str, limit: int = 50) -> list[OpportunitySignal]:
    """Signals not yet acted on, strongest first, then newest; at most ``limit`` (1..500)."""
    query = (
        select(OpportunitySignal)
        .where(col(OpportunitySignal.tenant_id) == tenant_id, col(OpportunitySignal.acted_on_at).is_(None))
        .order_by(col(OpportunitySignal.strength).desc(), col(OpportunitySignal.created_at).desc())
        .limit(max(1, min(limit, 500)))
    )
    return list(s.execute(query).scalars())


def for_planner(s: Session, tenant_id: str, limit: int = 50) -> tuple[SignalItem, ...]:
    """:func:`unacted` as ``CycleContext.signals``: with the contact's name and email (an archived
    contact's signal carries none, so nothing is sent to it)."""
    found = unacted(s, tenant_id, limit)
    ids = {x.contact_id for x in found if x.contact_id}
    if not ids:  # no contact to read (the common hour): one round trip, not two
        return tuple(_item(x, None) for x in found)
    contacts = {
        c.id: c
        for c in s.execute(
            select(Contact).where(
                col(Contact.tenant_id) == tenant_id,
                col(Contact.id).in_(ids),
                col(Contact.archived_at).is_(None),
            )
        ).scalars()
    }
    return tuple(_item(x, contacts.get(x.contact_id or "")) for x in found)


def _item(x: OpportunitySignal, c: Contact | None) -> SignalItem:
    return SignalItem(
        id=x.id,
        kind=x.kind,
        strength=x.strength,
        contact_id=x.contact_id,
        account_id=x.account_id,
        email=c.email if c else None,
        name=c.name if c else "",
        evidence=x.evidence[:300],
    )


def mark_acted(s: Session, tenant_id: str, signal_ids: Sequence[str], at: datetime | None = None) -> int:
    """Stamp ``acted_on_at`` (default now, UTC) on those of ``signal_ids`` not yet acted on;
    returns how many changed. Ids of another tenant or unknown ids change nothing."""
    if not signal_ids:
        return 0
    stmt = (
        update(OpportunitySignal)
        .where(
            col(OpportunitySignal.tenant_id) == tenant_id,
            col(OpportunitySignal.id).in_(list(signal_ids)),
            col(OpportunitySignal.acted_on_at).is_(None),
        )
        .values(acted_on_at=at or datetime.now(UTC))
    )
    return int(s.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def list_signals(
    s: Session,
    tenant_id: str,
    *,
    kind: str | None = None,
    acted: bool | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[OpportunitySignal]:
    """Newest first; ``kind`` filters one kind, ``acted`` True/False filters on ``acted_on_at``.
    Raises ``BadCursor`` for a cursor this list did not give out."""
    query = select(OpportunitySignal).where(col(OpportunitySignal.tenant_id) == tenant_id)
    if kind:
        query = query.where(col(OpportunitySignal.kind) == kind)
    if acted is not None:
        acted_col = col(OpportunitySignal.acted_on_at)
        query = query.where(acted_col.is_not(None) if acted else acted_col.is_(None))
    return keyset_page(
        s,
        query,
        col(OpportunitySignal.created_at),
        col(OpportunitySignal.id),
        sort="created",
        descending=True,
        cursor=cursor,
        limit=limit,
    )
