"""Repository helpers shared by the follow-up areas (feedback, quotes, deals, compliance).

Session-style: every function takes an open ``Session``; the caller owns the transaction
(commit). Nothing here raises for "not found": it returns ``None``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col

from schema.business import Contact
from schema.tables import Tenant, utcnow

T = TypeVar("T", bound=SQLModel)


def owned(s: Session, model: type[T], tenant_id: str, row_id: Any) -> T | None:
    """The row with this primary key if it belongs to ``tenant_id`` (another tenant's id is
    indistinguishable from a missing one), else None."""
    row = s.get(model, row_id)
    return row if row is not None and getattr(row, "tenant_id", None) == tenant_id else None


def contact_email(s: Session, contact_id: str | None) -> str | None:
    """The contact's email as stored (None without a contact or an email)."""
    if not contact_id:
        return None
    return s.execute(select(col(Contact.email)).where(col(Contact.id) == contact_id)).scalar()


def ensure_tenant(s: Session, tenant_id: str) -> None:
    """Insert the ``tenants`` row (agent disabled) unless it exists."""
    s.execute(
        insert(Tenant.__table__)  # type: ignore[attr-defined]
        .values(id=tenant_id, name=tenant_id, agent_enabled=False, created_at=utcnow())
        .on_conflict_do_nothing()
    )
