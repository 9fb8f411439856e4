"""Autonomous operations routes: initiate, status, history, cancel, services."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from api.auth import Principal
from api.schemas.operations import (
    ConfirmRequest,
    HistoryItem,
    InitiateRequest,
    InitiateResponse,
    OperationView,
    ReloadView,
    ServiceView,
)
from api.services.confirmations import ConfirmationService
from api.services.operation_status import OperationStatusService
from api.services.operations import OperationService
from api.streams import StreamSlots

Req = Request[Principal, Any, Any]


def client_ip(request: Req) -> str | None:
    """The peer address when it is an IP address (recorded with consent grants), else None."""
    host = request.client.host if request.client else None
    try:
        return str(ipaddress.ip_address(host)) if host else None
    except ValueError:
        return None


class AutonomousController(Controller):
    path = "/api/autonomous"
    tags = ["autonomous"]

    @post("/initiate", operation_id="initiateOperation", status_code=HTTP_202_ACCEPTED)
    async def initiate(
        self, request: Req, data: JSONBody[InitiateRequest], ops: NamedDependency[OperationService]
    ) -> InitiateResponse:
        """Start an operation. 403 without consent; 422 for a target that is not the tenant's
        registered, vetted site or inputs over the limits; 429 at the tenant's cap; else 202."""
        return await ops.initiate(request.user, data, client_ip(request), request.headers.get("user-agent"))

    @get("/status/{op_id:str}", operation_id="getOperationStatus")
    async def status(
        self, request: Req, op_id: FromPath[str], op_status: NamedDependency[OperationStatusService]
    ) -> Response[OperationView]:
        """Status, current step, total steps, intent and the last screenshot key (404 for another
        tenant). The body is an ``OperationView``, sent as encoded bytes (a finished operation's
        are kept encoded: api/status_cache.py)."""
        return Response(await op_status.status_json(request.user, op_id), media_type=MediaType.JSON)

    @get("/history", operation_id="listOperations")
    async def history(
        self,
        request: Req,
        op_status: NamedDependency[OperationStatusService],
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        before: Annotated[
            str | None, QueryParameter(description="the previous page's last operation_id")
        ] = None,
    ) -> list[HistoryItem]:
        """The caller's tenant's operations from their stored rows, newest first; page on with
        ``before`` (keyset paging)."""
        return await op_status.history(request.user, limit, before)

    @get("/{op_id:str}/events", operation_id="streamOperationEvents")
    async def events(
        self,
        request: Req,
        op_id: FromPath[str],
        op_status: NamedDependency[OperationStatusService],
        streams: NamedDependency[StreamSlots],
    ) -> ServerSentEvent:
        """Server-sent progress: one ``progress`` event per change of status or step, until the end
        or ``limits.max_stream_s`` (then a final ``end`` event). 429 when the tenant already has
        ``limits.max_streams_per_tenant`` streams open."""
        first = await op_status.status(request.user, op_id)  # 404 before the stream starts
        slot = await streams.acquire(request.user)
        changes = op_status.watch(request.user, op_id, first)
        progress = (ServerSentEventMessage(data=body, event="progress") async for body in changes)
        return ServerSentEvent(streams.capped(slot, progress))

    @get("/services", operation_id="listServices")
    async def services(self, ops: NamedDependency[OperationService]) -> list[ServiceView]:
        """Every operation definition in the registry (services are data: definitions/*/*.yaml)."""
        return await ops.services()

    @post("/services/reload", operation_id="reloadServices", status_code=HTTP_200_OK)
    async def reload_services(self, ops: NamedDependency[OperationService]) -> ReloadView:
        """Read changed definition files now (platform operators; audited in the operator audit).
        An invalid file is listed in ``rejected`` naming the field, and its previous version stays
        in use; running operations keep the version they started with (issue 15 Build 2)."""
        return await ops.reload_services()

    @post("/{op_id:str}/confirm", operation_id="confirmSensitiveStep", status_code=HTTP_202_ACCEPTED)
    async def confirm(
        self,
        request: Req,
        op_id: FromPath[str],
        data: JSONBody[ConfirmRequest],
        confirmations: NamedDependency[ConfirmationService],
    ) -> OperationView:
        """Approve or decline the sensitive step the operation is waiting on (409 otherwise); the
        decision is recorded before the operation is signalled."""
        return await confirmations.confirm(request.user, op_id, data)

    @post("/{op_id:str}/cancel", operation_id="cancelOperation", status_code=HTTP_202_ACCEPTED)
    async def cancel(
        self, request: Req, op_id: FromPath[str], ops: NamedDependency[OperationService]
    ) -> OperationView:
        """Request cancellation; the operation stops before its next step. 409 if it already ended."""
        return await ops.cancel(request.user, op_id)
