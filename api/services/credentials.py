"""Credentials: the secret goes to Vault under the tenant's path; Postgres keeps only metadata
(Vault path, keyed fingerprint, site and its origin). Who may store, list and delete is the
matrix's (:mod:`api.authz.matrix`: owner and admin).

A credential is registered for one site origin (issue 10): ``site_url`` is vetted first
(api/services/targets.py) and a refused site is a 422 with nothing written. The origin on the
metadata row is the only one an operation may later use this credential on.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine

from api.auth import Principal
from api.errors import NotFoundException
from api.schemas.credentials import CredentialRequest, CredentialView
from api.services.targets import TargetGate
from core.keys import fingerprint_key
from core.settings import Settings
from core.targets import Origin
from core.vault import VaultStore, credential_path, fingerprint
from schema.db import tenant_transaction
from schema.repositories import credentials as credentials_repo
from schema.tables import AutonomousCredential


def credential_view(c: AutonomousCredential) -> CredentialView:
    return CredentialView(
        id=str(c.id),
        service=c.service,
        credential_type=c.credential_type,
        vault_path=c.vault_path,
        fingerprint=c.fingerprint,
        site_url=c.site_url,
        origin=c.origin,
        created_at=c.created_at,
        last_rotated_at=c.last_rotated_at,
    )


class CredentialService:
    def __init__(self, engine: Engine, settings: Settings, vault: VaultStore) -> None:
        self.engine, self.settings, self.vault = engine, settings, vault
        self.gate = TargetGate(engine, settings)

    def _record(self, p: Principal, data: CredentialRequest, origin: Origin) -> AutonomousCredential:
        values = {
            "tenant_id": p.tenant_id,
            "service": data.service,
            "credential_type": data.credential_type,
            "vault_path": self.vault.full_path(
                credential_path(p.tenant_id, data.service, data.credential_type)
            ),
            "fingerprint": fingerprint(fingerprint_key(self.vault, p.tenant_id), data.password),
            "site_url": data.site_url,
            "origin": str(origin),
            "created_by": p.user_id,
            "last_rotated_at": datetime.now(UTC),
        }
        with tenant_transaction(self.engine, p.tenant_id) as s:
            credentials_repo.upsert_credential(s, values)
            row = credentials_repo.get_credential(s, p.tenant_id, data.service, data.credential_type)
        assert row is not None
        return row

    async def store(self, p: Principal, data: CredentialRequest) -> CredentialView:
        """Vet the site (422), write the secret to Vault, then its metadata row; returns metadata only."""
        origin = await self.gate.vet(p.tenant_id, data.site_url, "register credential")
        secret = {"username": data.username, "password": data.password, "site_url": data.site_url}
        if data.totp_secret:
            secret["totp_secret"] = data.totp_secret
        await asyncio.to_thread(
            self.vault.write, credential_path(p.tenant_id, data.service, data.credential_type), secret
        )
        row = await asyncio.to_thread(self._record, p, data, origin)
        return credential_view(row).model_copy(update={"has_totp": bool(data.totp_secret)})

    def _list(self, tenant_id: str) -> list[AutonomousCredential]:
        with tenant_transaction(self.engine, tenant_id) as s:
            return credentials_repo.list_credentials(s, tenant_id)

    async def list_credentials(self, p: Principal) -> list[CredentialView]:
        return [credential_view(c) for c in await asyncio.to_thread(self._list, p.tenant_id)]

    def _delete(self, tenant_id: str, service: str, credential_type: str) -> bool:
        with tenant_transaction(self.engine, tenant_id) as s:
            return credentials_repo.delete_credential(s, tenant_id, service, credential_type)

    async def remove(self, p: Principal, service: str, credential_type: str) -> None:
        """Delete the metadata row, then the secret in Vault (all versions). 404 when absent."""
        if not await asyncio.to_thread(self._delete, p.tenant_id, service, credential_type):
            raise NotFoundException(f"no {service}/{credential_type} credential")
        await asyncio.to_thread(self.vault.delete, credential_path(p.tenant_id, service, credential_type))
