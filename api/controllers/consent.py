"""Consent routes: grant and revoke (persisted, then signalled to the tenant's operations)."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from api.auth import Principal
from api.controllers.autonomous import client_ip
from api.schemas.operations import ConsentRequest, ConsentResponse, ConsentView
from api.services.operations import OperationService
from schema.repositories import operations as repo
from schema.tables import AutonomousConsent


def consent_view(c: AutonomousConsent) -> ConsentView:
    return ConsentView(
        id=str(c.id),
        service=c.service,
        operation=c.operation,
        permissions=c.permissions,
        user_id=c.user_id,
        granted_at=c.granted_at,
        expires_at=c.expires_at,
        revoked_at=c.revoked_at,
        ip_address=str(c.ip_address) if c.ip_address else None,
        user_agent=c.user_agent,
    )


class ConsentController(Controller):
    path = "/api/autonomous/consent"
    tags = ["consent"]

    @post("/", operation_id="changeConsent", status_code=HTTP_200_OK)
    async def change(
        self,
        request: Request[Principal, Any, Any],
        data: JSONBody[ConsentRequest],
        ops: NamedDependency[OperationService],
    ) -> ConsentResponse:
        """Grant (records permissions, expiry, IP, user agent) or revoke consent; signals operations."""
        if data.action == "grant":
            consent, signalled = await ops.grant(
                request.user, data, client_ip(request), request.headers.get("user-agent")
            )
            return ConsentResponse(
                action="grant", consent=consent_view(consent), operations_signalled=signalled
            )
        n, signalled = await ops.revoke(request.user, data)
        return ConsentResponse(action="revoke", revoked=n, operations_signalled=signalled)

    @get("/", operation_id="listConsents")
    async def list_(
        self, request: Request[Principal, Any, Any], ops: NamedDependency[OperationService]
    ) -> list[ConsentView]:
        rows = await asyncio.to_thread(repo.list_consents, ops.engine, request.user.tenant_id)
        return [consent_view(c) for c in rows]
