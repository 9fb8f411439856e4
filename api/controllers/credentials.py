"""Credential routes: secrets go to Vault; only metadata (path, fingerprint) ever comes back."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody

from api.auth import Principal
from api.schemas.credentials import CredentialRequest, CredentialView
from api.services.credentials import CredentialService

Req = Request[Principal, Any, Any]


class CredentialsController(Controller):
    path = "/api/autonomous/credentials"
    tags = ["credentials"]

    @post("/", operation_id="storeCredential")
    async def store(
        self, request: Req, data: JSONBody[CredentialRequest], credentials: NamedDependency[CredentialService]
    ) -> CredentialView:
        """Write the credential to Vault under the tenant's path; returns metadata only."""
        return await credentials.store(request.user, data)

    @get("/", operation_id="listCredentials")
    async def list_(
        self, request: Req, credentials: NamedDependency[CredentialService]
    ) -> list[CredentialView]:
        """The tenant's credential metadata."""
        return await credentials.list_credentials(request.user)

    @delete("/", operation_id="deleteCredential")
    async def remove(
        self,
        request: Req,
        service: FromQuery[str],
        credential_type: FromQuery[str],
        credentials: NamedDependency[CredentialService],
    ) -> None:
        """Delete from Vault (all versions) and the metadata row. 404 when absent."""
        await credentials.remove(request.user, service, credential_type)
