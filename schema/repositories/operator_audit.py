"""The operator audit log (``operator_audit``, issue 11): one row per platform operator action.
Session-style: the caller owns the transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from sqlmodel import col, select

from schema.tables import OperatorAuditEntry


def record(
    s: Session,
    *,
    actor: str,
    issuer: str,
    action: str,
    tenant_id: str | None,
    detail: dict[str, Any] | None = None,
) -> OperatorAuditEntry:
    """Append one entry: ``actor`` (the operator's ``sub``), ``issuer`` (the platform issuer),
    ``action`` (operation id or ``codec.decode``), ``tenant_id`` (None: platform-wide)."""
    row = OperatorAuditEntry(actor=actor, issuer=issuer, action=action, tenant_id=tenant_id, detail=detail)
    s.add(row)
    s.flush()
    return row


def entries(s: Session, *, tenant_id: str | None = None, limit: int = 100) -> list[OperatorAuditEntry]:
    """Newest first; only ``tenant_id``'s when given (``limit`` rows at most)."""
    stmt = select(OperatorAuditEntry).order_by(col(OperatorAuditEntry.at).desc()).limit(limit)
    if tenant_id is not None:
        stmt = stmt.where(OperatorAuditEntry.tenant_id == tenant_id)
    return list(s.scalars(stmt))
