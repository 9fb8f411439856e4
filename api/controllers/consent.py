"""Consent routes: grant and revoke (persisted, then signalled to the tenant's operations)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from api.auth import Principal
from api.controllers.autonomous import client_ip
from api.schemas.consent import ConsentRequest, ConsentResponse, ConsentView
from api.services.consent import ConsentService

Req = Request[Principal, Any, Any]


class ConsentController(Controller):
    path = "/api/autonomous/consent"
    tags = ["consent"]

    @post("/", operation_id="changeConsent", status_code=HTTP_200_OK)
    async def change(
        self, request: Req, data: JSONBody[ConsentRequest], consents: NamedDependency[ConsentService]
    ) -> ConsentResponse:
        """Grant (records permissions, expiry, IP, user agent) or revoke consent; signals operations."""
        return await consents.change(
            request.user, data, client_ip(request), request.headers.get("user-agent")
        )

    @get("/", operation_id="listConsents")
    async def list_(self, request: Req, consents: NamedDependency[ConsentService]) -> list[ConsentView]:
        """The tenant's consents, newest first (revoked ones included)."""
        return await consents.list_consents(request.user)
