"""The audit trail's verification route (issue 16 Build 1): the same report as
``python -m schema.audit_verify``, for the caller's tenant (an operator names one, or none for the
platform chain). Signatures are checked with Vault Transit."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from api.auth import Principal
from api.errors import UnprocessableException
from api.schemas.audit import AuditVerifyView, OperationStatsView
from core.audit_chain import PLATFORM_CHAIN
from core.settings import Settings
from core.transit import Transit
from schema.audit_verify import verify
from schema.db import platform_transaction, tenant_transaction
from schema.repositories.operation_stats import operation_stats

MAX_PERIOD = timedelta(days=366)


def _utc(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


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

    def _stats(self, tenant_id: str, start: datetime, end: datetime) -> OperationStatsView:
        with tenant_transaction(self.engine, tenant_id) as s:
            stats = operation_stats(s, tenant_id, start, end)
        view = {"tenant_id": tenant_id, "start": start, "end": end, **asdict(stats)}
        return OperationStatsView.model_validate(view)

    async def statistics(
        self, p: Principal, tenant_id: str | None, start: datetime | None, end: datetime | None
    ) -> OperationStatsView:
        """Operation statistics of ``[start, end)`` (default: the 30 days up to now) for the
        caller's tenant (an operator names one). 422 when ``start`` is not before ``end`` or the
        period is over 366 days; naive times are UTC."""
        target = tenant_id if p.platform else p.tenant_id
        if not target:
            raise UnprocessableException("tenant_id: an operator names the tenant")
        end = _utc(end) if end else datetime.now(UTC)
        start = _utc(start) if start else end - timedelta(days=30)
        if start >= end:
            raise UnprocessableException("from: must be before to")
        if end - start > MAX_PERIOD:
            raise UnprocessableException("to: the period is at most 366 days")
        return await asyncio.to_thread(self._stats, target, start, end)
