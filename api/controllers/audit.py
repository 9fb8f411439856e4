"""The audit trail routes (issue 16): ``GET /api/audit/verify``, ``GET /api/audit/statistics``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from api.auth import Principal
from api.schemas.audit import AuditVerifyView, OperationStatsView
from api.schemas.site_allowlist import TENANT
from api.services.audit import AuditService

Req = Request[Principal, Any, Any]


class AuditController(Controller):
    path = "/api/audit"
    tags = ["audit"]

    @get("/verify", operation_id="verifyAuditTrail")
    async def verify(
        self,
        request: Req,
        audit: NamedDependency[AuditService],
        tenant_id: Annotated[str | None, QueryParameter(pattern=TENANT)] = None,
    ) -> AuditVerifyView:
        """Recompute the tenant's audit chain, reconcile it with the audit tables and check the
        signed hourly digests; ``ok`` false names the first broken link (``first_break``), the
        rows changed behind the chain (``unchained``) and the digests that fail."""
        return await audit.verify(request.user, tenant_id)

    @get("/statistics", operation_id="getOperationStatistics")
    async def statistics(
        self,
        request: Req,
        audit: NamedDependency[AuditService],
        tenant_id: Annotated[str | None, QueryParameter(pattern=TENANT)] = None,
        start: Annotated[datetime | None, QueryParameter(name="from")] = None,
        end: Annotated[datetime | None, QueryParameter(name="to")] = None,
    ) -> OperationStatsView:
        """The tenant's autonomous operations created in ``[from, to)`` (ISO 8601; default the
        last 30 days, at most 366): counts by status, success rate, median and p95 duration of
        completed ones (ms), steps, and the LLM's calls, tokens and cost (USD)."""
        return await audit.statistics(request.user, tenant_id, start, end)
