"""Credential routes: secrets go to Vault; only metadata (path, fingerprint) ever comes back."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from api.auth import Principal
from api.schemas.credential_access import CredentialAccessView
from api.schemas.credentials import CredentialRequest, CredentialView
from api.services.credential_access import CredentialAccessService
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

    @get("/{credential_id:uuid}/access-log", operation_id="getCredentialAccessLog")
    async def access_log(
        self,
        request: Req,
        credential_id: FromPath[uuid.UUID],
        credential_access: NamedDependency[CredentialAccessService],
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=500)] = 100,
    ) -> list[CredentialAccessView]:
        """Every read of the credential by an activity, newest first (issue 15 Build 8): when,
        why (purpose), which activity, operation and step. Never the value."""
        return await credential_access.access_log(request.user, credential_id, limit)

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
