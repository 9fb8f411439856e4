"""Ingested messages (``inbound_messages``, issue 13 Build 2). Dedupe is the table's unique
(tenant, message_id): a message seen twice (a retried batch, a UIDVALIDITY rescan, the same mail
in two mailboxes) inserts nothing the second time. The caller commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from schema.business import InboundMessage

_CAPTURED = """INSERT INTO inbound_messages (id, tenant_id, message_id, from_email, subject, body,
        kind, connection_id, uid, raw_blob_key, content_hash, status, status_reason, size_bytes,
        attachments_count, attachments_pending)
    SELECT u.id, %(tenant)s, u.mid, '', '', '', 'other', %(conn)s, u.uid, u.key, u.hash, u.status,
        u.reason, u.size, 0, false
    FROM unnest(%(ids)b::text[], %(mids)b::text[], %(uids)b::bigint[], %(keys)b::text[],
        %(hashes)b::text[], %(statuses)b::text[], %(reasons)b::text[], %(sizes)b::integer[])
        AS u(id, mid, uid, key, hash, status, reason, size)
    ON CONFLICT DO NOTHING RETURNING id"""
"""Psycopg's own placeholders, the arrays BINARY (``%b``): about 2 us a row to dump instead of
22 us in text (session 28's profile of the capture)."""
_CAPTURED_COLUMNS = {
    "ids": "id", "mids": "message_id", "uids": "uid", "keys": "raw_blob_key", "hashes": "content_hash",
    "statuses": "status", "reasons": "status_reason", "sizes": "size_bytes",
}  # fmt: skip


def insert_captured(s: Session, tenant_id: str, connection_id: str, rows: list[dict[str, Any]]) -> list[str]:
    """The capture stage's insert (issue 13 Build 2): ``rows`` (``activities.inbox.rows``
    ``captured_row``/``oversized_row`` values) of one mailbox in ONE statement (a column array
    each: a short statement whatever the page size), skipping any whose (tenant, message_id)
    exists; ``received_at`` is the server's now(), the parsed columns stay empty until the
    understanding stage fills them. The ids of the rows inserted."""
    if not rows:
        return []
    params: dict[str, Any] = {k: [r[c] for r in rows] for k, c in _CAPTURED_COLUMNS.items()}
    params.update(tenant=tenant_id, conn=connection_id)
    dbapi = s.connection().connection.driver_connection  # the session's own, in its transaction
    with dbapi.cursor() as cur:  # type: ignore[union-attr]
        cur.execute(_CAPTURED, params)
        return [str(r[0]) for r in cur.fetchall()]


def referenced_keys(s: Session, tenant_id: str, keys: list[str]) -> set[str]:
    """Which of ``keys`` (raw blob keys) some row of the tenant still points at."""
    if not keys:
        return set()
    q = select(InboundMessage.raw_blob_key).where(
        col(InboundMessage.tenant_id) == tenant_id, col(InboundMessage.raw_blob_key).in_(keys)
    )
    return {str(k) for k in s.exec(q)}


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
