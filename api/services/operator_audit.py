"""The operator audit log (issue 11): written by :mod:`api.authz.audit` for every platform
principal's request, read by operators (any tenant, or all) and by a tenant's owner (their own
tenant only: who at the platform acted on their data, and how)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Engine

from api.auth import Principal
from api.errors import NotFoundException
from api.schemas.operator_audit import OperatorAuditView
from schema.db import platform_transaction
from schema.repositories import operator_audit as repo


class OperatorAuditService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self, *, actor: str, issuer: str, action: str, tenant_id: str | None, detail: dict[str, Any]
    ) -> None:
        """Append one entry (its own transaction)."""
        with platform_transaction(self.engine, "operator audit: append") as s:
            repo.record(s, actor=actor, issuer=issuer, action=action, tenant_id=tenant_id, detail=detail)

    def _read(self, tenant_id: str | None, limit: int) -> list[OperatorAuditView]:
        with platform_transaction(self.engine, "operator audit: read") as s:
            rows = repo.entries(s, tenant_id=tenant_id, limit=limit)
            return [OperatorAuditView.model_validate(r.model_dump()) for r in rows]

    async def entries(self, p: Principal, tenant_id: str | None, limit: int) -> list[OperatorAuditView]:
        """Newest first, at most ``limit`` (1..500). An operator without ``tenant_id`` reads every
        entry (platform-wide ones included); a tenant owner reads their tenant's (404 for another
        tenant, which the guard already answers)."""
        if not p.platform:
            if tenant_id not in (None, p.tenant_id):
                raise NotFoundException(f"no tenant {tenant_id!r}")
            tenant_id = p.tenant_id
        return await asyncio.to_thread(self._read, tenant_id, max(1, min(limit, 500)))
