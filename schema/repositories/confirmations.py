"""Step confirmations (``operation_confirmations``, issue 10): the API records a person's
decision before it signals ``confirm_action``; the workflow honours only a signal whose record
it finds here. Session-style: the caller owns the transaction.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session
from sqlmodel import select

from schema.tables import OperationConfirmation


def record_confirmation(
    s: Session,
    tenant_id: str,
    operation_id: uuid.UUID,
    step_number: int,
    approved: bool,
    decided_by: str,
    reason: str | None,
) -> OperationConfirmation:
    """Add the decision (flushed, so its id is set)."""
    row = OperationConfirmation(
        tenant_id=tenant_id,
        operation_id=operation_id,
        step_number=step_number,
        approved=approved,
        decided_by=decided_by,
        reason=reason,
    )
    s.add(row)
    s.flush()
    return row


def find_confirmation(
    s: Session, tenant_id: str, operation_id: uuid.UUID, step_number: int, confirmation_id: uuid.UUID
) -> OperationConfirmation | None:
    """The decision ``confirmation_id`` if it belongs to this tenant, operation and step."""
    return s.scalars(
        select(OperationConfirmation).where(
            OperationConfirmation.id == confirmation_id,
            OperationConfirmation.tenant_id == tenant_id,
            OperationConfirmation.operation_id == operation_id,
            OperationConfirmation.step_number == step_number,
        )
    ).first()
