"""Ingested messages (``inbound_messages``, issue 13 Build 2). Dedupe is the table's unique
(tenant, message_id): a message seen twice (a retried batch, a UIDVALIDITY rescan, the same mail
in two mailboxes) inserts nothing the second time. The caller commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from schema.business import InboundMessage


def insert_new(s: Session, rows: list[dict[str, Any]]) -> list[str]:
    """Insert ``rows`` (``InboundMessage`` column values), skipping any whose (tenant,
    message_id) exists; the ids of the rows inserted."""
    if not rows:
        return []
    # executemany (SQLAlchemy's insertmanyvalues): ONE multi-row INSERT ... ON CONFLICT DO NOTHING
    # per page, compiled once and cached. ``render_nulls``: the ORM otherwise leaves a None value
    # out of a row's parameters, so rows with different None columns (a message without Date,
    # In-Reply-To...) became separate statements: 50 round trips for 100 mixed rows.
    stmt = insert(InboundMessage).on_conflict_do_nothing().returning(col(InboundMessage.id))
    return list(s.execute(stmt, rows, execution_options={"render_nulls": True}).scalars())


def pending_attachments(s: Session, tenant_id: str, connection_id: str, limit: int) -> list[InboundMessage]:
    """Messages of the mailbox whose attachments are not yet handed to the documents library."""
    q = select(InboundMessage).where(
        col(InboundMessage.tenant_id) == tenant_id,
        col(InboundMessage.connection_id) == connection_id,
        col(InboundMessage.attachments_pending).is_(True),
    )
    return list(s.exec(q.order_by(col(InboundMessage.uid)).limit(limit)))


def attachments_done(s: Session, tenant_id: str, message_pk: str) -> None:
    s.execute(
        update(InboundMessage)
        .where(col(InboundMessage.tenant_id) == tenant_id, col(InboundMessage.id) == message_pk)
        .values(attachments_pending=False)
    )
