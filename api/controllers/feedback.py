"""Feedback routes (seed 004 P1.3): ``POST /api/orders/{id}/delivered`` starts the order's
feedback workflow (idempotent: a second call returns the same workflow, 200 instead of 202);
``POST /api/orders/{id}/feedback`` delivers the client's answer; ``GET …/followup`` its state."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Response
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from api.auth import Principal
from api.schemas.feedback import DeliveredView, FeedbackAnswer, FeedbackStateView
from api.schemas.followups import Accepted
from api.services.feedback import FeedbackService

Req = Request[Principal, Any, Any]


class FeedbackController(Controller):
    path = "/api/orders"
    tags = ["follow-ups"]

    @post("/{order_id:str}/delivered", operation_id="orderDelivered", status_code=HTTP_202_ACCEPTED)
    async def delivered(
        self, request: Req, order_id: FromPath[str], feedback: NamedDependency[FeedbackService]
    ) -> Response[DeliveredView]:
        """Mark the order delivered and start its feedback workflow (7 days later, seed 004 P1.3).
        202 when started, 200 when it already was (idempotent)."""
        view = await feedback.delivered(request.user, order_id)
        return Response(view, status_code=HTTP_202_ACCEPTED if view.started else HTTP_200_OK)

    @post("/{order_id:str}/feedback", operation_id="feedbackAnswer", status_code=HTTP_202_ACCEPTED)
    async def answer(
        self,
        request: Req,
        order_id: FromPath[str],
        data: JSONBody[FeedbackAnswer],
        feedback: NamedDependency[FeedbackService],
    ) -> Accepted:
        """The client's feedback (the ``respond`` signal); inbox ingestion sends the same signal."""
        return await feedback.answer(request.user, order_id, data.text)

    @get("/{order_id:str}/followup", operation_id="feedbackState")
    async def feedback_state(
        self, request: Req, order_id: FromPath[str], feedback: NamedDependency[FeedbackService]
    ) -> FeedbackStateView:
        """The feedback workflow's state and the order's ``feedback_requests`` row."""
        return await feedback.state(request.user, order_id)
