"""The credential-access log (``credential_access_log``, issue 15 Build 8): append, and list one
credential's reads newest first. Session-style; tenant-scoped by the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from sqlmodel import col, select

from schema.credential_access import CredentialAccess
from schema.repositories.tenants import ensure_tenant


def record_access(s: Session, values: dict[str, Any]) -> None:
    """Append one read (``tenant_id``, ``vault_path``, ``purpose``, ``activity`` and optional
    ``operation_id``, ``step_number``, ``workflow_id``)."""
    ensure_tenant(s, values["tenant_id"])
    s.add(CredentialAccess(**values))


def list_access(s: Session, tenant_id: str, vault_path: str, limit: int = 100) -> list[CredentialAccess]:
    """The reads of ``vault_path``, newest first (at most ``limit``)."""
    return list(
        s.scalars(
            select(CredentialAccess)
            .where(CredentialAccess.tenant_id == tenant_id, CredentialAccess.vault_path == vault_path)
            .order_by(col(CredentialAccess.accessed_at).desc())
            .limit(limit)
        )
    )
