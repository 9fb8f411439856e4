"""The audit trail's verification route (issue 16 Build 1): the same report as
``python -m schema.audit_verify``, for the caller's tenant (an operator names one, or none for the
platform chain). Signatures are checked with Vault Transit."""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from sqlalchemy import Engine

from api.auth import Principal
from api.schemas.audit import AuditVerifyView
from core.audit_chain import PLATFORM_CHAIN
from core.settings import Settings
from core.transit import Transit
from schema.audit_verify import verify
from schema.db import platform_transaction, tenant_transaction


class AuditService:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.transit = Transit(settings)

    def _verify(self, tenant_id: str) -> AuditVerifyView:
        opener = (
            tenant_transaction(self.engine, tenant_id)
            if tenant_id != PLATFORM_CHAIN
            else platform_transaction(self.engine, "audit verify: platform chain")
        )
        with opener as s:
            report = verify(s, tenant_id, self.transit)
        return AuditVerifyView.model_validate({**asdict(report), "ok": report.ok})

    async def verify(self, p: Principal, tenant_id: str | None) -> AuditVerifyView:
        """The caller's tenant's report; an operator's for ``tenant_id`` (None: the platform
        chain of operator actions). Reads the whole chain: seconds for a large tenant."""
        target = (tenant_id or PLATFORM_CHAIN) if p.platform else p.tenant_id
        return await asyncio.to_thread(self._verify, target)
