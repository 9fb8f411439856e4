"""Routing ingested messages (issue 13 Builds 3 and 5), session-style; the caller commits.

- :func:`claim_unrouted`: a page of a mailbox's messages not yet routed, in UID order, locked
  ``FOR UPDATE SKIP LOCKED`` until the caller's transaction ends (a parallel understander, or a
  retried activity's leftover attempt, takes the next rows instead; none is routed twice);
- :func:`thread_keys`: for a page of messages, in one query, the idempotency key of our own
  outbound email each reply names (its ``In-Reply-To``/``References`` against
  ``email_outbox.message_id``, most specific first);
- :func:`mark_routed`: a page's kinds, links and routing facts, and ``routed_at`` (executemany).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import OutboxEmail
from schema.business import InboundMessage


def claim_unrouted(s: Session, tenant_id: str, connection_id: str, limit: int) -> list[InboundMessage]:
    q = (
        select(InboundMessage)
        .where(
            col(InboundMessage.tenant_id) == tenant_id,
            col(InboundMessage.connection_id) == connection_id,
            col(InboundMessage.routed_at).is_(None),
        )
        .order_by(col(InboundMessage.uid))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(s.execute(q).scalars())


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
