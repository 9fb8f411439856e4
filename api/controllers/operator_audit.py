"""The operator audit log route (issue 11): ``GET /api/admin/operator-audit?tenant_id=&limit=``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from api.auth import Principal
from api.schemas.operator_audit import OperatorAuditView
from api.schemas.site_allowlist import TENANT
from api.services.operator_audit import OperatorAuditService

Req = Request[Principal, Any, Any]


class OperatorAuditController(Controller):
    path = "/api/admin/operator-audit"
    tags = ["operator audit"]

    @get("/", operation_id="listOperatorAudit")
    async def list_(
        self,
        request: Req,
        operator_audit: NamedDependency[OperatorAuditService],
        tenant_id: Annotated[str | None, QueryParameter(pattern=TENANT)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[OperatorAuditView]:
        """Operator actions, newest first: every tenant's for an operator (or ``tenant_id``'s),
        the owner's own tenant's for a tenant owner."""
        return await operator_audit.entries(request.user, tenant_id, limit)
