"""Credential routes: secrets go to Vault; only metadata (path, fingerprint) ever comes back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, JSONBody

from api.auth import Principal, require_role
from api.schemas.operations import CredentialRequest, CredentialView
from api.services.operations import OperationService
from core.vault import VaultStore, credential_path, fingerprint
from schema.repositories import operations as repo
from schema.tables import AutonomousCredential


def credential_view(c: AutonomousCredential) -> CredentialView:
    return CredentialView(
        service=c.service,
        credential_type=c.credential_type,
        vault_path=c.vault_path,
        fingerprint=c.fingerprint,
        site_url=c.site_url,
        created_at=c.created_at,
        last_rotated_at=c.last_rotated_at,
    )


class CredentialsController(Controller):
    path = "/api/autonomous/credentials"
    tags = ["credentials"]

    @post("/", operation_id="storeCredential")
    async def store(
        self,
        request: Request[Principal, Any, Any],
        data: JSONBody[CredentialRequest],
        ops: NamedDependency[OperationService],
        vault: NamedDependency[VaultStore],
    ) -> CredentialView:
        """Write the credential to Vault under the tenant's path; returns metadata only."""
        p = request.user
        require_role(p, ops.settings.auth.consent_roles, "storing credentials")
        path = credential_path(p.tenant_id, data.service, data.credential_type)
        secret = {"username": data.username, "password": data.password, "site_url": data.site_url or ""}
        if data.totp_secret:
            secret["totp_secret"] = data.totp_secret
        await asyncio.to_thread(vault.write, path, secret)
        now = datetime.now(UTC)
        await asyncio.to_thread(
            repo.upsert_credential,
            ops.engine,
            {
                "tenant_id": p.tenant_id,
                "service": data.service,
                "credential_type": data.credential_type,
                "vault_path": vault.full_path(path),
                "fingerprint": fingerprint(data.password),
                "site_url": data.site_url,
                "created_by": p.user_id,
                "last_rotated_at": now,
            },
        )
        row = await asyncio.to_thread(
            repo.get_credential, ops.engine, p.tenant_id, data.service, data.credential_type
        )
        assert row is not None
        return credential_view(row).model_copy(update={"has_totp": bool(data.totp_secret)})

    @get("/", operation_id="listCredentials")
    async def list_(
        self, request: Request[Principal, Any, Any], ops: NamedDependency[OperationService]
    ) -> list[CredentialView]:
        rows = await asyncio.to_thread(repo.list_credentials, ops.engine, request.user.tenant_id)
        return [credential_view(c) for c in rows]

    @delete("/", operation_id="deleteCredential")
    async def remove(
        self,
        request: Request[Principal, Any, Any],
        service: FromQuery[str],
        credential_type: FromQuery[str],
        ops: NamedDependency[OperationService],
        vault: NamedDependency[VaultStore],
    ) -> None:
        """Delete from Vault (all versions) and the metadata row. 404 when absent."""
        p = request.user
        require_role(p, ops.settings.auth.consent_roles, "deleting credentials")
        if not await asyncio.to_thread(
            repo.delete_credential, ops.engine, p.tenant_id, service, credential_type
        ):
            raise NotFoundException(f"no {service}/{credential_type} credential")
        await asyncio.to_thread(vault.delete, credential_path(p.tenant_id, service, credential_type))
