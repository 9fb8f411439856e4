"""Operations: the ``autonomous_operations`` row each operation workflow owns. Tenant-scoped.

Session-style: functions take a SQLAlchemy ``Session`` (a SQLModel one works too) and
never commit (the caller owns the transaction); "not found" is ``None``/empty, integrity errors propagate.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col, select

from schema.repositories.tenants import ensure_tenant, get_owned
from schema.tables import AutonomousOperation, utcnow

ACTIVE_STATUSES = ("awaiting_consent", "pending", "in_progress")
"""Statuses of an operation whose workflow may still take a signal."""


def upsert_operation(s: Session, values: dict[str, Any]) -> None:
    """Insert or update the row by ``values["id"]`` (its tenant is created if needed)."""
    ensure_tenant(s, values["tenant_id"])
    stmt = insert(AutonomousOperation).values(**values)
    updates = {k: stmt.excluded[k] for k in values if k not in ("id", "created_at")}
    s.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=updates))


def get_operation(s: Session, tenant_id: str, op_id: uuid.UUID) -> AutonomousOperation | None:
    return get_owned(s, AutonomousOperation, tenant_id, op_id)


def active_operations(
    s: Session, tenant_id: str, service: str, operation: str, statuses: tuple[str, ...] = ACTIVE_STATUSES
) -> list[AutonomousOperation]:
    """The tenant's operations of (service, operation) whose status is in ``statuses``."""
    return list(
        s.scalars(
            select(AutonomousOperation).where(
                AutonomousOperation.tenant_id == tenant_id,
                AutonomousOperation.service == service,
                AutonomousOperation.operation == operation,
                col(AutonomousOperation.status).in_(statuses),
            )
        )
    )


def lock_tenant_operations(s: Session, tenant_id: str) -> None:
    """Serialize operation starts of one tenant until the transaction ends (a transaction-level
    advisory lock keyed on the tenant), so counting and inserting cannot interleave."""
    key = func.hashtextextended(f"autonomous_operations/{tenant_id}", 0)
    s.execute(select(func.pg_advisory_xact_lock(key)))


def count_unended(s: Session, tenant_id: str) -> int:
    """How many of the tenant's operations have not ended (status in :data:`ACTIVE_STATUSES`)."""
    stmt = select(func.count()).where(
        AutonomousOperation.tenant_id == tenant_id, col(AutonomousOperation.status).in_(ACTIVE_STATUSES)
    )
    return int(s.scalar(stmt) or 0)


def insert_operation(s: Session, values: dict[str, Any]) -> bool:
    """Insert the row unless one with ``values["id"]`` exists; True when inserted."""
    ensure_tenant(s, values["tenant_id"])
    stmt = insert(AutonomousOperation).values(**values).on_conflict_do_nothing(index_elements=["id"])
    return s.execute(stmt.returning(col(AutonomousOperation.id))).first() is not None


def operation_exists(s: Session, op_id: uuid.UUID) -> bool:
    return s.get(AutonomousOperation, op_id) is not None


def delete_operation(s: Session, tenant_id: str, op_id: uuid.UUID) -> bool:
    """Delete the tenant's row ``op_id`` (its audit rows cascade); False when there was none."""
    stmt = delete(AutonomousOperation).where(
        col(AutonomousOperation.id) == op_id, col(AutonomousOperation.tenant_id) == tenant_id
    )
    return bool(s.execute(stmt.returning(col(AutonomousOperation.id))).first())


def unended_workflows(s: Session, tenant_id: str) -> list[tuple[uuid.UUID, str, datetime]]:
    """(id, workflow id, created at) of the tenant's operations whose row says they have not ended."""
    stmt = select(
        AutonomousOperation.id, AutonomousOperation.workflow_id, AutonomousOperation.created_at
    ).where(AutonomousOperation.tenant_id == tenant_id, col(AutonomousOperation.status).in_(ACTIVE_STATUSES))
    return [(op_id, wf_id, at) for op_id, wf_id, at in s.execute(stmt)]


def mark_ended(s: Session, tenant_id: str, op_id: uuid.UUID, status: str) -> bool:
    """Set the final ``status`` of a row still marked unended whose workflow has closed without
    writing it (terminated, or cancelled before its first step); True when a row changed."""
    stmt = (
        update(AutonomousOperation)
        .where(
            col(AutonomousOperation.id) == op_id,
            col(AutonomousOperation.tenant_id) == tenant_id,
            col(AutonomousOperation.status).in_(ACTIVE_STATUSES),
        )
        .values(status=status, completed_at=utcnow())
        .returning(col(AutonomousOperation.id))
    )
    return s.execute(stmt).first() is not None
