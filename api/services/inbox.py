"""Mailbox connections (issue 13 Build 1; seed 004 P0.2, P0.7.1): ``POST`` vets the mail server
(and the OAuth token endpoint) as the project vets every egress target (api/services/targets.py:
https-equivalent TLS unless an operator allowlisted the origin, no private or loopback address,
no stack service port; 422 with the one refusal text), writes the row, then the secret to Vault
at ``tenants/{tenant}/mailbox/{connection}``, then the connection's 5-minute schedule. Responses
carry the Vault path and a keyed fingerprint, never a secret. ``DELETE`` removes the schedule,
the row (ingested messages stay) and the secret. Who may call what is the matrix's
(api/authz/rows_inbox.py).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from temporalio.client import Client

from api.auth import Principal
from api.errors import NotFoundException, ValidationException
from api.schemas.inbox import ConnectionRequest, ConnectionView, SyncStarted
from api.services import inbox_schedule
from api.services.targets import TargetGate
from core.keys import fingerprint_key
from core.settings import Settings
from core.targets import mailbox_url
from core.vault import VaultStore, fingerprint, mailbox_secret_path
from schema.db import tenant_transaction
from schema.inbox import MailboxConnection
from schema.repositories import mailboxes
from schema.tables import new_id
from workflows.ids import mailsync_schedule_id


def view(c: MailboxConnection) -> ConnectionView:
    return ConnectionView(
        **c.model_dump(include=set(ConnectionView.model_fields) - {"schedule_id"}),
        schedule_id=mailsync_schedule_id(c.tenant_id, c.id),
    )


class InboxService:
    def __init__(self, client: Client, engine: Engine, settings: Settings, vault: VaultStore) -> None:
        self.client, self.engine, self.settings, self.vault = client, engine, settings, vault
        self.gate = TargetGate(engine, settings)

    def _upsert(self, p: Principal, data: ConnectionRequest, secret: dict[str, str]) -> MailboxConnection:
        cid = new_id()
        key = fingerprint_key(self.vault, p.tenant_id)
        with tenant_transaction(self.engine, p.tenant_id) as s:
            row = mailboxes.upsert_connection(
                s,
                {
                    "id": cid,
                    "tenant_id": p.tenant_id,
                    "host": data.host.lower(),
                    "port": data.port,
                    "tls": data.tls,
                    "username": data.username,
                    "folder": data.folder,
                    "auth_kind": data.auth_kind,
                    "token_url": data.token_url,
                    "vault_path": self.vault.full_path(mailbox_secret_path(p.tenant_id, cid)),
                    "fingerprint": fingerprint(key, "\n".join(sorted(secret.values()))),
                    "created_by": p.user_id,
                },
            )
            if row.id != cid:  # an existing connection re-keyed: its own Vault path
                row.vault_path = self.vault.full_path(mailbox_secret_path(p.tenant_id, row.id))
                s.add(row)
                s.flush()
            s.commit()
            s.refresh(row)
            s.expunge(row)
            return row

    async def connect(self, p: Principal, data: ConnectionRequest) -> ConnectionView:
        """Vet (422), store the row and the secret, create the schedule; metadata only back. A
        ``provider`` connection gets the operator's token URL for it (400 when none is set)."""
        if data.provider is not None:
            url = self.settings.inbox.oauth_token_urls.get(data.provider)
            if not url:
                raise ValidationException(f"provider: no token URL is configured for {data.provider}")
            data = data.model_copy(update={"token_url": url})
        await self.gate.vet(p.tenant_id, mailbox_url(data.host, data.port, data.tls), "connect mailbox")
        if data.token_url:
            await self.gate.vet(p.tenant_id, data.token_url, "connect mailbox")
        secret = data.secret()
        row = await asyncio.to_thread(self._upsert, p, data, secret)
        await asyncio.to_thread(self.vault.write, mailbox_secret_path(p.tenant_id, row.id), secret)
        await inbox_schedule.ensure_schedule(self.client, p.tenant_id, row.id, self.settings.inbox)
        return view(row)

    def _list(self, tenant_id: str) -> list[MailboxConnection]:
        with tenant_transaction(self.engine, tenant_id) as s:
            return mailboxes.list_connections(s, tenant_id)

    async def list_connections(self, p: Principal) -> list[ConnectionView]:
        return [view(c) for c in await asyncio.to_thread(self._list, p.tenant_id)]

    def _delete(self, tenant_id: str, connection_id: str) -> bool:
        with tenant_transaction(self.engine, tenant_id) as s:
            gone = mailboxes.delete_connection(s, tenant_id, connection_id)
            s.commit()
            return gone

    async def remove(self, p: Principal, connection_id: str) -> None:
        """Delete the schedule, the row and the secret (all versions). 404 when absent."""
        if not await asyncio.to_thread(self._exists, p.tenant_id, connection_id):
            raise NotFoundException("no such mailbox connection")
        await inbox_schedule.delete_schedule(self.client, p.tenant_id, connection_id)
        await asyncio.to_thread(self._delete, p.tenant_id, connection_id)
        await asyncio.to_thread(self.vault.delete, mailbox_secret_path(p.tenant_id, connection_id))

    def _exists(self, tenant_id: str, connection_id: str) -> bool:
        with tenant_transaction(self.engine, tenant_id) as s:
            return mailboxes.get_connection(s, tenant_id, connection_id) is not None

    async def sync_now(self, p: Principal, connection_id: str) -> SyncStarted:
        """Trigger the connection's schedule now (a sync already running is not doubled). 404 when absent."""
        if not await asyncio.to_thread(self._exists, p.tenant_id, connection_id):
            raise NotFoundException("no such mailbox connection")
        triggered = await inbox_schedule.trigger(self.client, p.tenant_id, connection_id)
        return SyncStarted(schedule_id=mailsync_schedule_id(p.tenant_id, connection_id), triggered=triggered)
