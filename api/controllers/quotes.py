"""Quote routes (seed 004 P1.5): ``POST /api/quotes/{id}/send`` starts the quote's workflow;
``viewed``, ``accepted`` and ``rejected`` (reason required) are signals; ``GET …/followup`` its
state, ``GET /api/quotes/stats`` the tenant's figures; ``GET /t/q/{token}`` is the tracked link
(no auth)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Response
from litestar.status_codes import HTTP_202_ACCEPTED

from api.auth import Principal
from api.schemas.followups import Accepted
from api.schemas.quotes import QuoteStateView, QuoteStats, RejectRequest, SendQuoteView, WinRequest
from api.services.quotes import QuoteService
from workflows.followups.models import QuoteDecision

Req = Request[Principal, Any, Any]


class QuoteController(Controller):
    path = "/api/quotes"
    tags = ["follow-ups"]

    @post("/{quote_id:str}/send", operation_id="sendQuote", status_code=HTTP_202_ACCEPTED)
    async def send_quote(
        self, request: Req, quote_id: FromPath[str], quotes: NamedDependency[QuoteService]
    ) -> SendQuoteView:
        """Send a draft quote and follow it up (seed 004 P1.5); 409 unless it is a draft."""
        return await quotes.send(request.user, quote_id)

    @post("/{quote_id:str}/viewed", operation_id="quoteViewed", status_code=HTTP_202_ACCEPTED)
    async def viewed(
        self, request: Req, quote_id: FromPath[str], quotes: NamedDependency[QuoteService]
    ) -> Accepted:
        return await quotes.viewed(request.user, quote_id)

    @post("/{quote_id:str}/accepted", operation_id="quoteAccepted", status_code=HTTP_202_ACCEPTED)
    async def accepted(
        self,
        request: Req,
        quote_id: FromPath[str],
        quotes: NamedDependency[QuoteService],
        data: JSONBody[WinRequest | None] = None,
    ) -> Accepted:
        """The client accepted; an optional ``reason`` records why we won (seed 004 P1.5)."""
        decision = QuoteDecision(outcome="accepted", reason=data.reason if data else None)
        return await quotes.decide(request.user, quote_id, decision)

    @post("/{quote_id:str}/rejected", operation_id="quoteRejected", status_code=HTTP_202_ACCEPTED)
    async def rejected(
        self,
        request: Req,
        quote_id: FromPath[str],
        data: JSONBody[RejectRequest],
        quotes: NamedDependency[QuoteService],
    ) -> Accepted:
        """The client said no; ``reason`` is required (400 when empty)."""
        return await quotes.decide(
            request.user, quote_id, QuoteDecision(outcome="rejected", reason=data.reason)
        )

    @get("/{quote_id:str}/followup", operation_id="quoteState")
    async def quote_state(
        self, request: Req, quote_id: FromPath[str], quotes: NamedDependency[QuoteService]
    ) -> QuoteStateView:
        """The quote workflow's state, the quote and its activity history."""
        return await quotes.state(request.user, quote_id)

    @get("/stats", operation_id="quoteStats")
    async def quote_stats(self, request: Req, quotes: NamedDependency[QuoteService]) -> QuoteStats:
        """Counts by status, win rate over decided quotes (%), average follow-ups, loss reasons."""
        return await quotes.stats(request.user)


@get("/t/q/{token:str}", operation_id="quoteTrackedLink", tags=["follow-ups"], exclude_from_auth=True)
async def tracked_link(token: FromPath[str], quotes: NamedDependency[QuoteService]) -> Response[str]:
    """The quote's tracked link: counts as ``viewed`` (no auth; an unknown token is a plain 404)."""
    return Response(await quotes.tracked_link(token), media_type="text/plain")
