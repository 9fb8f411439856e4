"""Audit trail of operations (``autonomous_operations_audit``): one row per step attempt.

Session-style: functions take a SQLAlchemy ``Session`` (a SQLModel one works too) and
never commit (the caller owns the transaction).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col, select

from schema.tables import AutonomousOperation, AutonomousOperationAudit, utcnow


def write_audit(s: Session, row: dict[str, Any], current_step: int | None = None) -> bool:
    """Insert one audit row, idempotent on (operation_id, step_number, attempt).

    With ``current_step``, also raises ``autonomous_operations.current_step`` to it (never
    lowers it) in the same transaction. Returns True when a row was inserted, False when it
    already existed.
    """
    stmt = insert(AutonomousOperationAudit).values(id=uuid.uuid4(), timestamp=utcnow(), **row)
    res = s.execute(stmt.on_conflict_do_nothing(constraint="uq_audit_operation_step_attempt"))
    if current_step is not None:
        s.execute(
            update(AutonomousOperation)
            .where(col(AutonomousOperation.id) == row["operation_id"])
            .values(
                current_step=func.greatest(func.coalesce(AutonomousOperation.current_step, 0), current_step)
            )
        )
    return bool(res.rowcount)  # type: ignore[attr-defined]


def list_audit(s: Session, tenant_id: str, op_id: uuid.UUID) -> list[AutonomousOperationAudit]:
    """The operation's audit rows, by time then step number."""
    return list(
        s.scalars(
            select(AutonomousOperationAudit)
            .where(
                AutonomousOperationAudit.tenant_id == tenant_id,
                AutonomousOperationAudit.operation_id == op_id,
            )
            .order_by(col(AutonomousOperationAudit.timestamp), col(AutonomousOperationAudit.step_number))
        )
    )


def latest_screenshot(s: Session, tenant_id: str, op_id: uuid.UUID) -> tuple[str, str] | None:
    """(screenshot key, intent) of the operation's last audited step with a screenshot, or None."""
    row = s.execute(
        select(AutonomousOperationAudit.screenshot_key, AutonomousOperationAudit.intent)
        .where(
            AutonomousOperationAudit.tenant_id == tenant_id,
            AutonomousOperationAudit.operation_id == op_id,
            col(AutonomousOperationAudit.screenshot_key).is_not(None),
        )
        .order_by(
            col(AutonomousOperationAudit.timestamp).desc(), col(AutonomousOperationAudit.step_number).desc()
        )
        .limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None
