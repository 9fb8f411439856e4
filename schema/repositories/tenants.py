"""Tenants: ensure a tenant row exists, read it, flip its agent, and fetch a row it owns.

Session-style: functions take a SQLAlchemy ``Session`` (a SQLModel one works too) and
never commit (the caller owns the transaction).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col

from schema.tables import Tenant, utcnow

T = TypeVar("T", bound=SQLModel)


def ensure_tenant(s: Session, tenant_id: str, name: str | None = None) -> None:
    """Insert the tenant (agent disabled, name defaulting to its id) unless it exists."""
    s.execute(
        insert(Tenant)
        .values(id=tenant_id, name=name or tenant_id, agent_enabled=False, created_at=utcnow())
        .on_conflict_do_nothing()
    )


def get_tenant(s: Session, tenant_id: str) -> Tenant | None:
    return s.get(Tenant, tenant_id)


def set_agent_enabled(s: Session, tenant_id: str, enabled: bool) -> None:
    """Create the tenant if needed, then set ``agent_enabled``."""
    ensure_tenant(s, tenant_id)
    s.execute(update(Tenant).where(col(Tenant.id) == tenant_id).values(agent_enabled=enabled))


def get_owned(s: Session, model: type[T], tenant_id: str, row_id: Any) -> T | None:
    """The row of ``model`` with this primary key if it belongs to ``tenant_id``, else None
    (another tenant's row is indistinguishable from a missing one)."""
    row = s.get(model, row_id)
    return row if row is not None and getattr(row, "tenant_id", None) == tenant_id else None
