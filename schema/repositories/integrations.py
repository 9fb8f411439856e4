"""Integration status and its audit trail (``integration_status``, ``integration_events``; issue
15 Builds 4, 5). Functions take a tenant-scoped ``Session`` and never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col, select

from schema.integrations import IntegrationEvent, IntegrationStatus
from schema.repositories.tenants import ensure_tenant
from schema.tables import stable_id, utcnow

KEY = ("tenant_id", "service", "credential_type")


def upsert_status(s: Session, values: dict[str, Any]) -> IntegrationStatus:
    """Insert or update the row of (tenant, service, credential type) from ``values``."""
    ensure_tenant(s, values["tenant_id"])
    stmt = insert(IntegrationStatus).values(id=stable_id(*(values[k] for k in KEY)), **values)
    updates = {k: stmt.excluded[k] for k in values if k not in KEY} | {"updated_at": utcnow()}
    s.execute(stmt.on_conflict_do_update(constraint="uq_integration_status", set_=updates))
    row = get_status(s, values["tenant_id"], values["service"], values["credential_type"], lock=False)
    assert row is not None
    return row


def get_status(
    s: Session, tenant_id: str, service: str, credential_type: str, lock: bool = False
) -> IntegrationStatus | None:
    stmt = select(IntegrationStatus).where(
        IntegrationStatus.tenant_id == tenant_id,
        IntegrationStatus.service == service,
        IntegrationStatus.credential_type == credential_type,
    )
    return s.scalars(stmt.with_for_update() if lock else stmt).first()


def list_status(s: Session, tenant_id: str) -> list[IntegrationStatus]:
    stmt = select(IntegrationStatus).where(IntegrationStatus.tenant_id == tenant_id)
    return list(
        s.scalars(stmt.order_by(col(IntegrationStatus.service), col(IntegrationStatus.credential_type)))
    )


def set_fields(s: Session, row: IntegrationStatus, **values: Any) -> None:
    s.execute(
        update(IntegrationStatus)
        .where(col(IntegrationStatus.id) == row.id, col(IntegrationStatus.tenant_id) == row.tenant_id)
        .values(updated_at=utcnow(), **values)
    )


def clear_needs_consent(s: Session, tenant_id: str, service: str) -> int:
    """A grant arrived: the service's ``needs_consent`` integrations go back to ``unknown`` (the
    next health check decides). Returns how many rows changed."""
    res = s.execute(
        update(IntegrationStatus)
        .where(
            col(IntegrationStatus.tenant_id) == tenant_id,
            col(IntegrationStatus.service) == service,
            col(IntegrationStatus.status) == "needs_consent",
        )
        .values(
            status="unknown", detail="consent granted; the next health check decides", updated_at=utcnow()
        )
    )
    return int(res.rowcount or 0)  # type: ignore[attr-defined]


def audit(
    s: Session,
    tenant_id: str,
    service: str,
    credential_type: str,
    run: str,
    step: str,
    success: bool,
    detail: str | None = None,
    data: dict[str, Any] | None = None,
) -> bool:
    """One audit row of a check or rotation step, idempotent on (run, step). True when new."""
    ensure_tenant(s, tenant_id)
    res = s.execute(
        insert(IntegrationEvent)
        .values(
            id=stable_id(run, step),
            tenant_id=tenant_id,
            service=service,
            credential_type=credential_type,
            run=run,
            step=step,
            success=success,
            detail=(detail or "")[:500] or None,
            data=data,
        )
        .on_conflict_do_nothing()
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


def events(s: Session, tenant_id: str, run: str | None = None, limit: int = 100) -> list[IntegrationEvent]:
    stmt = select(IntegrationEvent).where(IntegrationEvent.tenant_id == tenant_id)
    if run is not None:
        stmt = stmt.where(IntegrationEvent.run == run)
    return list(s.scalars(stmt.order_by(col(IntegrationEvent.created_at).desc()).limit(limit)))


def now_fields(now: datetime, ok: bool) -> dict[str, Any]:
    """``last_checked_at`` (and ``last_ok_at`` when ``ok``) at ``now``."""
    return {"last_checked_at": now, **({"last_ok_at": now} if ok else {})}
