"""Credential metadata (``autonomous_credentials``): Vault path and fingerprint, never the secret.

Session-style: functions take a SQLAlchemy ``Session`` (a SQLModel one works too) and
never commit (the caller owns the transaction).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import select

from schema.repositories.tenants import ensure_tenant
from schema.tables import AutonomousCredential, utcnow


def upsert_credential(s: Session, values: dict[str, Any]) -> None:
    """Insert or update the row of (tenant_id, service, credential_type) from ``values``."""
    ensure_tenant(s, values["tenant_id"])
    stmt = insert(AutonomousCredential).values(id=uuid.uuid4(), created_at=utcnow(), **values)
    updates = {k: stmt.excluded[k] for k in values if k not in ("tenant_id", "service", "credential_type")}
    s.execute(stmt.on_conflict_do_update(constraint="uq_credential_tenant_service_type", set_=updates))


def list_credentials(s: Session, tenant_id: str) -> list[AutonomousCredential]:
    return list(s.scalars(select(AutonomousCredential).where(AutonomousCredential.tenant_id == tenant_id)))


def get_credential(
    s: Session, tenant_id: str, service: str, credential_type: str
) -> AutonomousCredential | None:
    return s.scalars(
        select(AutonomousCredential).where(
            AutonomousCredential.tenant_id == tenant_id,
            AutonomousCredential.service == service,
            AutonomousCredential.credential_type == credential_type,
        )
    ).first()


def delete_credential(s: Session, tenant_id: str, service: str, credential_type: str) -> bool:
    """Delete the metadata row; False when there is none."""
    row = get_credential(s, tenant_id, service, credential_type)
    if row is None:
        return False
    s.delete(row)
    return True


def registered_site(
    s: Session, tenant_id: str, service: str, credential_type: str, origin: str
) -> AutonomousCredential | None:
    """The tenant's ``credential_type`` credential for ``service`` if it is registered for
    ``origin`` (a WHATWG-serialized origin, core/targets.py), else None (issue 10)."""
    row = get_credential(s, tenant_id, service, credential_type)
    return row if row is not None and row.origin == origin else None
