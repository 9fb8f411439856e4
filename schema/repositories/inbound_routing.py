"""Routing ingested messages (issue 13 Builds 3 and 5), session-style; the caller commits.

- :func:`unrouted`: a mailbox's messages not yet routed, in UID order;
- :func:`thread_key`: the idempotency key of our own outbound email a reply names (its
  ``In-Reply-To``/``References`` against ``email_outbox.message_id``);
- :func:`mark_routed`: the message's kind, links and routing facts, and ``routed_at``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import OutboxEmail
from schema.business import InboundMessage


def unrouted(s: Session, tenant_id: str, connection_id: str, limit: int) -> list[InboundMessage]:
    q = (
        select(InboundMessage)
        .where(
            col(InboundMessage.tenant_id) == tenant_id,
            col(InboundMessage.connection_id) == connection_id,
            col(InboundMessage.routed_at).is_(None),
        )
        .order_by(col(InboundMessage.uid))
        .limit(limit)
    )
    return list(s.execute(q).scalars())


def thread_key(s: Session, tenant_id: str, message_ids: list[str]) -> str | None:
    """The key of the first of ``message_ids`` (most specific first) that is one of the tenant's
    outbound emails, or None."""
    if not message_ids:
        return None
    found = dict(
        s.execute(
            select(OutboxEmail.message_id, OutboxEmail.idempotency_key).where(
                col(OutboxEmail.tenant_id) == tenant_id, col(OutboxEmail.message_id).in_(message_ids)
            )
        ).all()
    )
    return next((found[m] for m in message_ids if m in found), None)


def mark_routed(
    s: Session, message_pk: str, *, kind: str, related: dict[str, Any], contact_id: str | None, now: datetime
) -> None:
    s.execute(
        update(InboundMessage)
        .where(col(InboundMessage.id) == message_pk)
        .values(kind=kind, related=related, contact_id=contact_id, routed_at=now)
    )
