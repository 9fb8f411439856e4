"""Mailbox connections and their sync checkpoints (issue 13; seed 004 P0.2, P0.7.1). Every
function takes a tenant-scoped ``Session`` (``schema.db.tenant_transaction``); the caller commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, delete, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from schema.inbox import MailboxConnection
from schema.repositories.tenants import ensure_tenant
from schema.tables import utcnow


def upsert_connection(s: Session, values: dict[str, Any]) -> MailboxConnection:
    """Insert or replace the connection of (tenant, host, port, username, folder): a second POST
    re-keys it (new secret, auth kind, TLS mode) and sets it ``not_configured`` until the next
    sync checks it; its checkpoint is kept. Returns the row."""
    ensure_tenant(s, values["tenant_id"])
    changing = {k: v for k, v in values.items() if k not in ("id", "tenant_id", "created_by")}
    stmt = insert(MailboxConnection).values(**values, status="not_configured", last_uid=0)
    stmt = stmt.on_conflict_do_update(
        constraint="uq_mailbox_connection",
        set_={**changing, "status": "not_configured", "status_reason": None},
    ).returning(col(MailboxConnection.id))
    cid = s.execute(stmt).scalar_one()
    s.expire_all()
    row = s.get(MailboxConnection, cid)
    assert row is not None
    return row


def get_connection(s: Session, tenant_id: str, connection_id: str) -> MailboxConnection | None:
    return s.exec(
        select(MailboxConnection).where(
            col(MailboxConnection.tenant_id) == tenant_id, col(MailboxConnection.id) == connection_id
        )
    ).first()


def list_connections(s: Session, tenant_id: str) -> list[MailboxConnection]:
    """The tenant's connections, oldest first."""
    q = select(MailboxConnection).where(col(MailboxConnection.tenant_id) == tenant_id)
    return list(s.exec(q.order_by(col(MailboxConnection.created_at), col(MailboxConnection.id))))


def delete_connection(s: Session, tenant_id: str, connection_id: str) -> bool:
    """Delete the row (its ingested messages stay, with no connection); False when absent."""
    r = s.execute(
        delete(MailboxConnection).where(
            col(MailboxConnection.tenant_id) == tenant_id, col(MailboxConnection.id) == connection_id
        )
    )
    return bool(r.rowcount)  # type: ignore[attr-defined]


LOGIN_REFUSED = ("auth_failed", "token_expired", "revoked")


def set_status(s: Session, tenant_id: str, connection_id: str, status: str, reason: str | None) -> int:
    """Record the status this sync found (and when); returns the consecutive login refusals
    (``auth_failures``, counted up by a status of :data:`LOGIN_REFUSED`, else unchanged)."""
    failures = col(MailboxConnection.auth_failures)
    got = s.execute(
        update(MailboxConnection)
        .where(col(MailboxConnection.tenant_id) == tenant_id, col(MailboxConnection.id) == connection_id)
        .values(
            status=status,
            status_reason=reason[:300] if reason else None,
            last_sync_at=utcnow(),
            auth_failures=failures + 1 if status in LOGIN_REFUSED else failures,
        )
        .returning(failures)
    ).scalar()
    return int(got or 0)


def advance(s: Session, tenant_id: str, connection_id: str, uidvalidity: int, last_uid: int) -> None:
    """Move the checkpoint to (``uidvalidity``, ``last_uid``), in the transaction that stored the
    batch's messages (so a crash before commit leaves both as they were); status ``connected``.
    Under the same UIDVALIDITY it only moves forward (a manual run beside a scheduled one cannot
    move it back); a new UIDVALIDITY replaces it."""
    same = col(MailboxConnection.uidvalidity) == uidvalidity
    s.execute(
        update(MailboxConnection)
        .where(col(MailboxConnection.tenant_id) == tenant_id, col(MailboxConnection.id) == connection_id)
        .values(
            uidvalidity=uidvalidity,
            last_uid=case((same, func.greatest(col(MailboxConnection.last_uid), last_uid)), else_=last_uid),
            status="connected",
            status_reason=None,
            last_sync_at=utcnow(),
            auth_failures=0,
        )
    )
