"""Reading a tenant's opportunity signals (issue 13 Build 8) for ``GET /api/inbox/signals``."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine

from api.auth import Principal
from api.errors import ValidationException
from api.schemas.inbox_signals import SignalPage, SignalView
from schema.db import tenant_transaction
from schema.repositories import signals as repo
from schema.repositories.paging import BadCursor, Page
from schema.signals import OpportunitySignal
from workflows.mail_models import SignalKind


class SignalService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def list(
        self, who: Principal, *, kind: SignalKind | None, acted: bool | None, cursor: str | None, limit: int
    ) -> SignalPage:
        """The caller's tenant's signals, newest first; 400 for a cursor this list did not give out."""

        def run() -> Page[OpportunitySignal]:
            with tenant_transaction(self.engine, who.tenant_id) as s:
                return repo.list_signals(s, who.tenant_id, kind=kind, acted=acted, cursor=cursor, limit=limit)

        try:
            page = await asyncio.to_thread(run)
        except BadCursor:
            raise ValidationException("cursor: not a cursor of this list") from None
        return SignalPage(
            items=[SignalView.model_validate(r) for r in page.items], next_cursor=page.next_cursor
        )
