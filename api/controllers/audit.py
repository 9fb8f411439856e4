"""The audit trail routes (issue 16): ``GET /api/audit/verify``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from api.auth import Principal
from api.schemas.audit import AuditVerifyView
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
