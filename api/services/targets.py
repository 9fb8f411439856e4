"""Operation targets as the API checks them (issue 10, "operations target registered sites").

A site is vetted (core/targets.py :func:`~core.targets.vet`: https only unless allowlisted,
every resolved address global, no stack service port) when a credential is registered for it
and again when an operation is initiated against it; the workflow vets it a third time before
every session opens. A refusal is a 422 whose detail is :data:`~core.targets.REFUSED` whatever
the cause, so a tenant learns nothing about our network; the cause goes to the server log.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine

from api.errors import UnprocessableException
from core.logging import get_logger
from core.settings import Settings
from core.targets import REFUSED, Origin, TargetRefused, parse_origin
from schema.db import tenant_transaction
from schema.repositories import credentials as credentials_repo
from schema.repositories import site_allowlist

log = get_logger(__name__)


def refused(tenant_id: str, e: TargetRefused, during: str) -> UnprocessableException:
    """The tenant-visible 422 for ``e``, after logging its cause (``code``, ``detail``)."""
    log.warning("target refused", tenant_id=tenant_id, during=during, code=e.code, detail=e.detail)
    return UnprocessableException(REFUSED)


class TargetGate:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings

    def origin(self, tenant_id: str, url: str, during: str) -> Origin:
        """The WHATWG origin of ``url``; 422 (:data:`REFUSED`) when it has none."""
        try:
            return parse_origin(url)
        except TargetRefused as e:
            raise refused(tenant_id, e, during) from None

    def _vet(self, tenant_id: str, url: str) -> None:
        with tenant_transaction(self.engine, tenant_id) as s:
            site_allowlist.vet_target(s, tenant_id, url, self.settings.service_ports)

    async def vet(self, tenant_id: str, url: str, during: str) -> Origin:
        """Parse, look up the tenant's allowlist, resolve and vet ``url`` (in a thread: DNS); its
        origin, or 422 (:data:`REFUSED`)."""
        origin = self.origin(tenant_id, url, during)
        try:
            await asyncio.to_thread(self._vet, tenant_id, url)
        except TargetRefused as e:
            raise refused(tenant_id, e, during) from None
        return origin

    def _registered(self, tenant_id: str, service: str, credential_type: str, origin: Origin) -> bool:
        with tenant_transaction(self.engine, tenant_id) as s:
            row = credentials_repo.registered_site(s, tenant_id, service, credential_type, str(origin))
            return row is not None

    async def require_registered(
        self, tenant_id: str, service: str, credential_type: str, origin: Origin
    ) -> None:
        """422 unless the tenant's ``credential_type`` credential for ``service`` is registered for
        exactly ``origin``. The text is the same with no credential or one for another site."""
        if not await asyncio.to_thread(self._registered, tenant_id, service, credential_type, origin):
            raise UnprocessableException(
                f"no {service} {credential_type} credential is registered for this site"
            )
