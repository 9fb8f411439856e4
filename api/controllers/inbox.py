"""Mailbox connection routes (issue 13 Build 1): ``POST|GET|DELETE /api/inbox/connections`` and
``POST /api/inbox/connections/{id}/sync``. Secrets go to Vault; only metadata comes back."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from api.auth import Principal
from api.schemas.inbox import ConnectionRequest, ConnectionView, SyncStarted
from api.services.inbox import InboxService

Req = Request[Principal, Any, Any]


class InboxController(Controller):
    path = "/api/inbox/connections"
    tags = ["inbox"]

    @post("/", operation_id="connectMailbox")
    async def connect(
        self, request: Req, data: JSONBody[ConnectionRequest], inbox: NamedDependency[InboxService]
    ) -> ConnectionView:
        """Connect (or re-key) an IMAP mailbox; it is synced every 5 minutes. 422 for a mail
        server or token endpoint that is not an allowed target."""
        return await inbox.connect(request.user, data)

    @get("/", operation_id="listMailboxConnections")
    async def list_(self, request: Req, inbox: NamedDependency[InboxService]) -> list[ConnectionView]:
        """The tenant's mailboxes with their status and checkpoint."""
        return await inbox.list_connections(request.user)

    @delete("/{connection_id:str}", operation_id="deleteMailboxConnection")
    async def remove(
        self, request: Req, connection_id: FromPath[str], inbox: NamedDependency[InboxService]
    ) -> None:
        """Stop syncing and delete the connection and its secret (ingested messages stay). 404 when absent."""
        await inbox.remove(request.user, connection_id)

    @post("/{connection_id:str}/sync", operation_id="syncMailbox", status_code=HTTP_202_ACCEPTED)
    async def sync(
        self, request: Req, connection_id: FromPath[str], inbox: NamedDependency[InboxService]
    ) -> SyncStarted:
        """Sync now (ignored while a sync of this mailbox runs)."""
        return await inbox.sync_now(request.user, connection_id)
