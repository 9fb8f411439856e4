"""``GET /api/inbox/signals``: the tenant's opportunity signals from inbound email (issue 13
Build 8, seed 004 P1.6). Authz rows: api/authz/rows_inbox_signals.py."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, Parameter

from api.auth import Principal
from api.schemas.inbox_signals import SignalPage
from api.services.inbox_signals import SignalService
from workflows.mail_models import SignalKind

Req = Request[Principal, Any, Any]


class InboxSignalController(Controller):
    path = "/api/inbox/signals"
    tags = ["inbox"]

    @get("/", operation_id="listInboxSignals")
    async def list_signals(
        self,
        request: Req,
        inbox_signals: NamedDependency[SignalService],
        kind: FromQuery[SignalKind | None] = None,
        acted: Annotated[bool | None, Parameter(description="true: acted on; false: not yet")] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> SignalPage:
        """Newest first, keyset-paged; ``kind`` complaint|urgency|upsell|renewal|referral."""
        return await inbox_signals.list(request.user, kind=kind, acted=acted, cursor=cursor, limit=limit)
