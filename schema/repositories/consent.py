"""Consent records (``autonomous_consents``): grant, find the active one, revoke, list.

Session-style: functions take a SQLAlchemy ``Session`` (a SQLModel one works too) and
never commit (the caller owns the transaction).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.orm import Session
from sqlmodel import col, select

from schema.repositories.tenants import ensure_tenant
from schema.tables import AutonomousConsent


def grant_consent(s: Session, consent: AutonomousConsent) -> AutonomousConsent:
    """Add the consent (its tenant is created if needed); flushed, so its id is set."""
    ensure_tenant(s, consent.tenant_id)
    s.add(consent)
    s.flush()
    return consent


def find_active_consent(
    s: Session, tenant_id: str, service: str, operation: str, now: datetime
) -> AutonomousConsent | None:
    """The newest unrevoked, unexpired consent for (tenant, service, operation) at ``now``."""
    return s.scalars(
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


def get_active_consent(
    s: Session, tenant_id: str, service: str, operation: str, consent_id: uuid.UUID, now: datetime
) -> AutonomousConsent | None:
    """Consent ``consent_id`` if it is this tenant's, for (service, operation), unrevoked and
    unexpired at ``now`` (what a ``grant_consent`` signal must point at to be honoured)."""
    return s.scalars(
        select(AutonomousConsent).where(
            AutonomousConsent.id == consent_id,
            AutonomousConsent.tenant_id == tenant_id,
            AutonomousConsent.service == service,
            AutonomousConsent.operation == operation,
            col(AutonomousConsent.revoked_at).is_(None),
            or_(col(AutonomousConsent.expires_at).is_(None), col(AutonomousConsent.expires_at) > now),
        )
    ).first()


def revoke_consents(
    s: Session, tenant_id: str, service: str, operation: str, by: str, reason: str | None, now: datetime
) -> int:
    """Revoke every active consent for (tenant, service, operation). Returns how many."""
    res = s.execute(
        update(AutonomousConsent)
        .where(
            col(AutonomousConsent.tenant_id) == tenant_id,
            col(AutonomousConsent.service) == service,
            col(AutonomousConsent.operation) == operation,
            col(AutonomousConsent.revoked_at).is_(None),
        )
        .values(revoked_at=now, revoked_by=by, revoke_reason=reason)
    )
    return int(res.rowcount)  # type: ignore[attr-defined]


def list_consents(s: Session, tenant_id: str) -> list[AutonomousConsent]:
    """The tenant's consents, newest first (revoked ones included)."""
    return list(
        s.scalars(
            select(AutonomousConsent)
            .where(AutonomousConsent.tenant_id == tenant_id)
            .order_by(col(AutonomousConsent.granted_at).desc())
        )
    )
