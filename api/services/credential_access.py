"""The credential-access log as the API shows it (issue 15 Build 8; seed 004 P2.4 "who, when and
what"): one tenant credential's reads by activities, newest first. Never a value."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import Engine

from api.auth import Principal
from api.errors import NotFoundException
from api.schemas.credential_access import CredentialAccessView
from core.vault import credential_path
from schema.db import tenant_transaction
from schema.repositories.credential_access import list_access
from schema.tables import AutonomousCredential


class CredentialAccessService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _log(self, tenant_id: str, credential_id: uuid.UUID, limit: int) -> list[CredentialAccessView] | None:
        with tenant_transaction(self.engine, tenant_id) as s:
            c = s.get(AutonomousCredential, credential_id)
            if c is None or c.tenant_id != tenant_id:
                return None
            path = credential_path(tenant_id, c.service, c.credential_type)
            return [
                CredentialAccessView(
                    accessed_at=r.accessed_at,
                    purpose=r.purpose,
                    activity=r.activity,
                    operation_id=r.operation_id,
                    step_number=r.step_number,
                    workflow_id=r.workflow_id,
                    vault_path=r.vault_path,
                )
                for r in list_access(s, tenant_id, path, limit)
            ]

    async def access_log(
        self, p: Principal, credential_id: uuid.UUID, limit: int
    ) -> list[CredentialAccessView]:
        """The reads of the tenant's credential ``credential_id`` (at most ``limit``, newest
        first); 404 when the tenant has no such credential."""
        rows = await asyncio.to_thread(self._log, p.tenant_id, credential_id, limit)
        if rows is None:
            raise NotFoundException(f"no credential {credential_id}")
        return rows
