"""The operator's site allowlist (issue 10): origins one tenant may target although they are
http, local addresses or a stack service port; for local development only (the dev stack
allowlists its own WordPress and nothing else).

Every route is for platform operators only (the matrix, :mod:`api.authz.matrix`, checked before
anything is read); a tenant's owner or admin may not allowlist a site, not even for their own
tenant.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine

from api.auth import Principal
from api.errors import NotFoundException, ValidationException
from api.schemas.site_allowlist import AllowedSiteView, SiteAllowRequest, bare_origin
from core.logging import get_logger
from schema.db import tenant_transaction
from schema.repositories import site_allowlist as allowlist_repo
from schema.tables import SiteAllowlist

log = get_logger(__name__)


def site_view(row: SiteAllowlist) -> AllowedSiteView:
    return AllowedSiteView(
        tenant_id=row.tenant_id,
        origin=row.origin,
        added_by=row.added_by,
        reason=row.reason,
        created_at=row.created_at,
    )


class SiteAllowlistService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _allow(self, p: Principal, body: SiteAllowRequest) -> SiteAllowlist:
        with tenant_transaction(self.engine, body.tenant_id) as s:
            return allowlist_repo.allow(s, body.tenant_id, body.origin, p.user_id, body.reason)

    async def allow(self, p: Principal, body: SiteAllowRequest) -> AllowedSiteView:
        """Allowlist ``body.origin`` for ``body.tenant_id`` (idempotent)."""
        row = await asyncio.to_thread(self._allow, p, body)
        log.info("site allowlisted", tenant_id=body.tenant_id, origin=body.origin, by=p.user_id)
        return site_view(row)

    def _list(self, tenant_id: str) -> list[SiteAllowlist]:
        with tenant_transaction(self.engine, tenant_id) as s:
            return allowlist_repo.list_allowed(s, tenant_id)

    async def list_sites(self, p: Principal, tenant_id: str) -> list[AllowedSiteView]:
        """The tenant's allowlisted origins, oldest first."""
        return [site_view(r) for r in await asyncio.to_thread(self._list, tenant_id)]

    def _remove(self, tenant_id: str, origin: str) -> bool:
        with tenant_transaction(self.engine, tenant_id) as s:
            return allowlist_repo.disallow(s, tenant_id, origin)

    async def remove(self, p: Principal, tenant_id: str, origin: str) -> None:
        """Remove the entry; 400 for a value that is not an origin, 404 when the tenant has no
        such entry."""
        try:
            normalized = bare_origin(origin)
        except ValueError as e:
            raise ValidationException(str(e)) from None
        if not await asyncio.to_thread(self._remove, tenant_id, normalized):
            raise NotFoundException(f"{normalized} is not allowlisted for tenant {tenant_id}")
        log.info("site removed from the allowlist", tenant_id=tenant_id, origin=normalized, by=p.user_id)
