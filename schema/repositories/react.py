"""React's data (seed 004 "React"): unprocessed inbound messages, the suppression list and order
updates (the run's credit failures and email outcomes: :mod:`schema.repositories.close_reads`).

The hot path of every hourly cycle (issue 17): the message read and the marking are Core
statements built once at import, with bind parameters, reading only the columns React uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Row, bindparam, or_, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.business import InboundMessage, Order

BATCH = 500
"""Inbound messages read per React."""


_UNPROCESSED = (
    select(
        InboundMessage.id,
        InboundMessage.kind,
        InboundMessage.related,
        InboundMessage.from_email,
        InboundMessage.message_id,
        InboundMessage.received_at,
    )
    .where(
        col(InboundMessage.tenant_id) == bindparam("tenant"),
        col(InboundMessage.processed_at).is_(None),
        or_(col(InboundMessage.connection_id).is_(None), col(InboundMessage.routed_at).is_not(None)),
    )
    .order_by(InboundMessage.received_at)
    .limit(BATCH)
)
_MARK_PROCESSED = (
    update(InboundMessage)
    .where(col(InboundMessage.id).in_(bindparam("ids", expanding=True)))
    .values(processed_at=bindparam("now", type_=DateTime(timezone=True)))
)


def unprocessed(s: Session, tenant_id: str) -> list[Row[Any]]:
    """The tenant's unprocessed inbound messages, oldest first, at most :data:`BATCH`; a mailbox
    message only once it is routed (issue 13: classified and linked). Rows of ``id``, ``kind``,
    ``related``, ``from_email``, ``message_id``, ``received_at``."""
    return list(s.execute(_UNPROCESSED, {"tenant": tenant_id}).all())


def update_order_status(s: Session, tenant_id: str, order_id: str, status: str) -> None:
    s.execute(
        update(Order)
        .where(col(Order.id) == order_id, col(Order.tenant_id) == tenant_id)
        .values(status=status[:30])
    )


def mark_processed(s: Session, message_pks: list[str], now: datetime) -> None:
    """Mark the messages (primary keys) processed at ``now``: one statement; none for no message."""
    if message_pks:
        s.execute(_MARK_PROCESSED, {"ids": message_pks, "now": now})
