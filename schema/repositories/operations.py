"""Repositories over the autonomous-operations tables. Every query is scoped by tenant.

All functions are sync and take an ``Engine``; they raise nothing for "not found" (they
return ``None``/empty) and let integrity errors propagate.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, func, or_, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, SQLModel, col, select

from schema.tables import (
    AutonomousConsent,
    AutonomousCredential,
    AutonomousOperation,
    AutonomousOperationAudit,
    Tenant,
    utcnow,
)

T = TypeVar("T", bound=SQLModel)
ACTIVE_STATUSES = ("awaiting_consent", "pending", "in_progress")


def ensure_tenant(engine: Engine, tenant_id: str, name: str | None = None) -> None:
    with Session(engine) as s:
        s.exec(
            insert(Tenant)
            .values(id=tenant_id, name=name or tenant_id, agent_enabled=False, created_at=utcnow())
            .on_conflict_do_nothing()
        )  # type: ignore[call-overload]
        s.commit()


# --- operations -------------------------------------------------------------------------


def upsert_operation(engine: Engine, values: dict[str, Any]) -> None:
    """Insert or update an operation row by id (the workflow owns the row)."""
    ensure_tenant(engine, values["tenant_id"])
    stmt = insert(AutonomousOperation).values(**values)
    updates = {k: stmt.excluded[k] for k in values if k not in ("id", "created_at")}
    with Session(engine) as s:
        s.exec(stmt.on_conflict_do_update(index_elements=["id"], set_=updates))  # type: ignore[call-overload]
        s.commit()


def get_owned(engine: Engine, model: type[T], tenant_id: str, row_id: Any) -> T | None:
    """The row with this primary key if it belongs to ``tenant_id``, else None."""
    with Session(engine, expire_on_commit=False) as s:
        row = s.get(model, row_id)
        return row if row is not None and getattr(row, "tenant_id", None) == tenant_id else None


def get_operation(engine: Engine, tenant_id: str, op_id: uuid.UUID) -> AutonomousOperation | None:
    return get_owned(engine, AutonomousOperation, tenant_id, op_id)


def active_operations(
    engine: Engine, tenant_id: str, service: str, operation: str, statuses: tuple[str, ...] = ACTIVE_STATUSES
) -> list[AutonomousOperation]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(AutonomousOperation).where(
                    AutonomousOperation.tenant_id == tenant_id,
                    AutonomousOperation.service == service,
                    AutonomousOperation.operation == operation,
                    col(AutonomousOperation.status).in_(statuses),
                )
            )
        )


# --- audit trail ------------------------------------------------------------------------


def write_audit(engine: Engine, row: dict[str, Any], current_step: int | None = None) -> bool:
    """Insert one audit row, idempotent on (operation_id, step_number, attempt).

    Also advances ``autonomous_operations.current_step`` in the same transaction.
    Returns True when a row was inserted, False when it already existed.
    """
    stmt = insert(AutonomousOperationAudit).values(id=uuid.uuid4(), timestamp=utcnow(), **row)
    stmt = stmt.on_conflict_do_nothing(constraint="uq_audit_operation_step_attempt")
    with Session(engine) as s:
        res = s.exec(stmt)  # type: ignore[call-overload]
        if current_step is not None:
            s.exec(
                update(AutonomousOperation)  # type: ignore[call-overload]
                .where(col(AutonomousOperation.id) == row["operation_id"])
                .values(
                    current_step=func.greatest(
                        func.coalesce(AutonomousOperation.current_step, 0), current_step
                    )
                )
            )
        s.commit()
        return bool(res.rowcount)


def list_audit(engine: Engine, tenant_id: str, op_id: uuid.UUID) -> list[AutonomousOperationAudit]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(AutonomousOperationAudit)
                .where(
                    AutonomousOperationAudit.tenant_id == tenant_id,
                    AutonomousOperationAudit.operation_id == op_id,
                )
                .order_by(col(AutonomousOperationAudit.timestamp), col(AutonomousOperationAudit.step_number))
            )
        )


# --- consent ----------------------------------------------------------------------------


def grant_consent(engine: Engine, consent: AutonomousConsent) -> AutonomousConsent:
    ensure_tenant(engine, consent.tenant_id)
    with Session(engine, expire_on_commit=False) as s:
        s.add(consent)
        s.commit()
        return consent


def find_active_consent(
    engine: Engine, tenant_id: str, service: str, operation: str, now: datetime
) -> AutonomousConsent | None:
    with Session(engine) as s:
        return s.exec(
            select(AutonomousConsent)
            .where(
                AutonomousConsent.tenant_id == tenant_id,
                AutonomousConsent.service == service,
                AutonomousConsent.operation == operation,
                col(AutonomousConsent.revoked_at).is_(None),
                or_(col(AutonomousConsent.expires_at).is_(None), col(AutonomousConsent.expires_at) > now),
            )
            .order_by(col(AutonomousConsent.granted_at).desc())
        ).first()


def revoke_consents(
    engine: Engine, tenant_id: str, service: str, operation: str, by: str, reason: str | None, now: datetime
) -> int:
    """Revoke every active consent for (tenant, service, operation). Returns how many."""
    with Session(engine) as s:
        res = s.exec(
            update(AutonomousConsent)
            .where(  # type: ignore[call-overload]
                col(AutonomousConsent.tenant_id) == tenant_id,
                col(AutonomousConsent.service) == service,
                col(AutonomousConsent.operation) == operation,
                col(AutonomousConsent.revoked_at).is_(None),
            )
            .values(revoked_at=now, revoked_by=by, revoke_reason=reason)
        )
        s.commit()
        return int(res.rowcount)


def list_consents(engine: Engine, tenant_id: str) -> list[AutonomousConsent]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(AutonomousConsent)
                .where(AutonomousConsent.tenant_id == tenant_id)
                .order_by(col(AutonomousConsent.granted_at).desc())
            )
        )


# --- credentials (metadata only) --------------------------------------------------------


def upsert_credential(engine: Engine, values: dict[str, Any]) -> None:
    ensure_tenant(engine, values["tenant_id"])
    stmt = insert(AutonomousCredential).values(id=uuid.uuid4(), created_at=utcnow(), **values)
    updates = {k: stmt.excluded[k] for k in values if k not in ("tenant_id", "service", "credential_type")}
    with Session(engine) as s:
        s.exec(stmt.on_conflict_do_update(constraint="uq_credential_tenant_service_type", set_=updates))  # type: ignore[call-overload]
        s.commit()


def list_credentials(engine: Engine, tenant_id: str) -> list[AutonomousCredential]:
    with Session(engine) as s:
        return list(s.exec(select(AutonomousCredential).where(AutonomousCredential.tenant_id == tenant_id)))


def get_credential(
    engine: Engine, tenant_id: str, service: str, credential_type: str
) -> AutonomousCredential | None:
    with Session(engine) as s:
        return s.exec(
            select(AutonomousCredential).where(
                AutonomousCredential.tenant_id == tenant_id,
                AutonomousCredential.service == service,
                AutonomousCredential.credential_type == credential_type,
            )
        ).first()


def delete_credential(engine: Engine, tenant_id: str, service: str, credential_type: str) -> bool:
    row = get_credential(engine, tenant_id, service, credential_type)
    if row is None:
        return False
    with Session(engine) as s:
        s.delete(s.merge(row))
        s.commit()
    return True
