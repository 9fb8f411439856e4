"""Operator routes of the site allowlist (issue 10): origins a tenant may target although they are
http or local, for local development. Platform operators only (:mod:`api.authz.matrix`)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from api.auth import Principal
from api.schemas.site_allowlist import TENANT, AllowedSiteView, SiteAllowRequest
from api.services.site_allowlist import SiteAllowlistService

Req = Request[Principal, Any, Any]
TenantQuery = Annotated[str, QueryParameter(name="tenant_id", pattern=TENANT)]


class SiteAllowlistController(Controller):
    path = "/api/admin/site-allowlist"
    tags = ["site allowlist"]

    @post("/", operation_id="allowSite")
    async def allow(
        self,
        request: Req,
        data: JSONBody[SiteAllowRequest],
        site_allowlist: NamedDependency[SiteAllowlistService],
    ) -> AllowedSiteView:
        """Allowlist an origin (``scheme://host[:port]``) for a tenant; idempotent."""
        return await site_allowlist.allow(request.user, data)

    @get("/", operation_id="listAllowedSites")
    async def list_(
        self, request: Req, tenant_id: TenantQuery, site_allowlist: NamedDependency[SiteAllowlistService]
    ) -> list[AllowedSiteView]:
        """The tenant's allowlisted origins, oldest first."""
        return await site_allowlist.list_sites(request.user, tenant_id)

    @delete("/", operation_id="disallowSite", status_code=HTTP_204_NO_CONTENT)
    async def remove(
        self,
        request: Req,
        tenant_id: TenantQuery,
        origin: Annotated[str, QueryParameter(name="origin", max_length=300)],
        site_allowlist: NamedDependency[SiteAllowlistService],
    ) -> None:
        """Remove an origin from the tenant's allowlist; 404 when it is not there."""
        await site_allowlist.remove(request.user, tenant_id, origin)
