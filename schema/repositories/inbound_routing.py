"""Routing ingested messages (issue 13 Builds 3 and 5), session-style; the caller commits.

- :func:`claim_unrouted`: a page of a mailbox's messages not yet routed, in UID order, claimed
  for a lease (``claimed_by``/``claimed_until``, migration 0027) so the caller can commit and
  understand it with no transaction open; a parallel understander takes the next rows instead
  (``FOR UPDATE SKIP LOCKED`` while claiming, the lease after);
- :func:`still_claimed`: which of a page's rows are still the claimant's and unrouted, locked
  ``FOR UPDATE`` until the caller's transaction ends (the effects transaction: none is routed
  twice, even when a lease ran out and another understander took the row);
- :func:`thread_keys`: for a page of messages, in one query, the idempotency key of our own
  outbound email each reply names (its ``In-Reply-To``/``References`` against
  ``email_outbox.message_id``, most specific first);
- :func:`mark_routed`: a page's kinds, links and routing facts, and ``routed_at`` (executemany).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import OutboxEmail
from schema.business import InboundMessage


def claim_unrouted(
    s: Session, tenant_id: str, connection_id: str, limit: int, claimant: str, lease_s: float
) -> list[InboundMessage]:
    """Up to ``limit`` unrouted messages of the mailbox, oldest UID first, that no other claimant
    holds (unclaimed, lease run out, or ``claimant``'s own: a retry takes its page back), now
    claimed by ``claimant`` until ``lease_s`` seconds after the database's ``now()``. The caller
    commits; the rows stay readable (``expire_on_commit=False``)."""
    t = InboundMessage
    free = or_(
        col(t.claimed_until).is_(None), col(t.claimed_until) < func.now(), col(t.claimed_by) == claimant
    )
    q = (
        select(t)
        .where(
            col(t.tenant_id) == tenant_id,
            col(t.connection_id) == connection_id,
            col(t.routed_at).is_(None),
            free,
        )
        .order_by(col(t.uid))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(s.execute(q).scalars())
    if rows:
        until = func.now() + timedelta(seconds=lease_s)
        s.execute(
            update(t)
            .where(col(t.id).in_([r.id for r in rows]))
            .values(claimed_by=claimant, claimed_until=until)
            .execution_options(synchronize_session=False)
        )
    return rows


def still_claimed(s: Session, ids: list[str], claimant: str) -> set[str]:
    """Those of ``ids`` still claimed by ``claimant`` and unrouted, locked ``FOR UPDATE`` until
    the caller's transaction ends (a row whose lease ran out stays the claimant's until another
    takes it)."""
    if not ids:
        return set()
    t = InboundMessage
    q = (
        select(t.id)
        .where(col(t.id).in_(ids), col(t.claimed_by) == claimant, col(t.routed_at).is_(None))
        .with_for_update()
    )
    return set(s.execute(q).scalars())


def thread_keys(s: Session, tenant_id: str, referenced: dict[str, list[str]]) -> dict[str, str]:
    """``referenced`` maps a message's key to the Message-IDs it names (most specific first); the
    answer maps each message that names one of the tenant's outbound emails to that email's
    idempotency key (the first match wins)."""
    wanted = {m for ids in referenced.values() for m in ids}
    if not wanted:
        return {}
    found = dict(
        s.execute(
            select(OutboxEmail.message_id, OutboxEmail.idempotency_key).where(
                col(OutboxEmail.tenant_id) == tenant_id, col(OutboxEmail.message_id).in_(wanted)
            )
        ).all()
    )
    out = {k: next((found[m] for m in ids if m in found), None) for k, ids in referenced.items()}
    return {k: v for k, v in out.items() if v is not None}


def mark_routed(s: Session, marks: list[dict[str, Any]], now: datetime) -> None:
    """Mark a page of messages routed in one executemany: each of ``marks`` is ``{"pk", "kind",
    "related", "contact_id"}``; ``routed_at`` is ``now``."""
    if not marks:
        return
    table = InboundMessage.__table__  # type: ignore[attr-defined]
    stmt = (
        update(table)
        .where(table.c.id == bindparam("pk"))
        .values(kind=bindparam("kind"), related=bindparam("related"), contact_id=bindparam("contact_id"))
        .values(routed_at=now)
    )
    s.connection().execute(stmt, marks)
