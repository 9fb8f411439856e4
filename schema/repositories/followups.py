"""Contact lookups shared by the follow-up areas (feedback, quotes, deals, compliance); tenant
ownership checks are :func:`schema.repositories.tenants.get_owned`.

Session-style: every function takes an open ``Session``; the caller owns the transaction
(commit). Nothing here raises for "not found": it returns ``None``.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col

from schema.business import Contact

T = TypeVar("T", bound=SQLModel)


def contact_email(s: Session, contact_id: str | None) -> str | None:
    """The contact's email as stored (None without a contact or an email)."""
    if not contact_id:
        return None
    return s.execute(select(col(Contact.email)).where(col(Contact.id) == contact_id)).scalar()
