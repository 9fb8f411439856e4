"""Deal routes (seed 004 P1.4): ``POST /api/deals/{id}/track`` starts working a deal;
``activity``, ``stage``, ``request`` and ``close`` are signals; ``GET …/followup`` its state,
``GET /api/deals/stats`` the tenant's figures."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from api.auth import Principal
from api.schemas.deals import ClientRequestBody, DealStateView, DealStats, TrackDealView
from api.schemas.followups import Accepted
from api.services.deals import DealService
from workflows.followups.deal import DealWorkflow
from workflows.followups.models import ClientRequestSignal, DealActivity, DealClose, StageChange

Req = Request[Principal, Any, Any]


class DealController(Controller):
    path = "/api/deals"
    tags = ["follow-ups"]

    @post("/{deal_id:str}/track", operation_id="trackDeal", status_code=HTTP_202_ACCEPTED)
    async def track(
        self, request: Req, deal_id: FromPath[str], deals: NamedDependency[DealService]
    ) -> TrackDealView:
        """Start working an open deal: stalled detection by stage thresholds, follow-ups (seed 004 P1.4)."""
        return await deals.track(request.user, deal_id)

    @post("/{deal_id:str}/activity", operation_id="dealActivity", status_code=HTTP_202_ACCEPTED)
    async def deal_activity(
        self,
        request: Req,
        deal_id: FromPath[str],
        data: JSONBody[DealActivity],
        deals: NamedDependency[DealService],
    ) -> Accepted:
        """Real engagement on the deal: clears stalled (seed ``recordDealActivity``)."""
        return await deals.send(request.user, deal_id, DealWorkflow.record_activity, data)

    @post("/{deal_id:str}/stage", operation_id="dealStage", status_code=HTTP_202_ACCEPTED)
    async def deal_stage(
        self,
        request: Req,
        deal_id: FromPath[str],
        data: JSONBody[StageChange],
        deals: NamedDependency[DealService],
    ) -> Accepted:
        """Move the deal to another stage (recorded in its stage history with the time spent)."""
        return await deals.send(request.user, deal_id, DealWorkflow.change_stage, data)

    @post("/{deal_id:str}/request", operation_id="dealClientRequest", status_code=HTTP_202_ACCEPTED)
    async def deal_request(
        self,
        request: Req,
        deal_id: FromPath[str],
        data: JSONBody[ClientRequestBody],
        deals: NamedDependency[DealService],
    ) -> Accepted:
        """A client's message: a task is created only if it explicitly asks for one."""
        signal = ClientRequestSignal(message_id=data.message_id, text=data.text)
        return await deals.send(request.user, deal_id, DealWorkflow.client_request, signal)

    @post("/{deal_id:str}/close", operation_id="dealClose", status_code=HTTP_202_ACCEPTED)
    async def deal_close(
        self,
        request: Req,
        deal_id: FromPath[str],
        data: JSONBody[DealClose],
        deals: NamedDependency[DealService],
    ) -> Accepted:
        """Close the deal as won or lost."""
        return await deals.send(request.user, deal_id, DealWorkflow.close, data)

    @get("/{deal_id:str}/followup", operation_id="dealState")
    async def deal_state(
        self, request: Req, deal_id: FromPath[str], deals: NamedDependency[DealService]
    ) -> DealStateView:
        """The deal workflow's state, the deal and its stage history."""
        return await deals.state(request.user, deal_id)

    @get("/stats", operation_id="dealStats")
    async def deal_stats(self, request: Req, deals: NamedDependency[DealService]) -> DealStats:
        """Open deals by stage, stalled, high priority, won/lost, average seconds per stage."""
        return await deals.stats(request.user)
