"""An order's status transitions and its documents' metadata (issue 12, Build 1):
``POST /api/orders/{id}/status``, ``POST|GET /api/orders/{id}/documents``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel

from api.auth import Principal
from api.services.order_records import OrderRecordService
from schema.record_models import OrderDocumentIn, OrderTransition

Req = Request[Principal, Any, Any]


class OrderDocumentView(BaseModel):
    id: str
    order_id: str
    kind: str
    filename: str | None = None
    mime_type: str | None = None
    size_bytes: int | None = None
    required: bool
    received_at: datetime | None = None
    document_id: str | None = None
    """The file in the documents library, once uploaded."""
    created_at: datetime


class OrderRecordController(Controller):
    path = "/api/orders"
    tags = ["records"]

    @post("/{record_id:str}/status", operation_id="transitionOrder", status_code=200)
    async def transition(
        self,
        request: Req,
        record_id: FromPath[str],
        data: JSONBody[OrderTransition],
        order_records: NamedDependency[OrderRecordService],
    ) -> Any:
        """Move the order along new -> in_progress -> delivered (or to cancelled from an open
        status); 409 names an illegal move. Delivered stamps ``delivered_at``."""
        return await order_records.transition(request.user, record_id, data)

    @post("/{record_id:str}/documents", operation_id="addOrderDocument")
    async def add_document(
        self,
        request: Req,
        record_id: FromPath[str],
        data: JSONBody[OrderDocumentIn],
        order_records: NamedDependency[OrderRecordService],
    ) -> OrderDocumentView:
        """Record a document the order has or needs (metadata; the file goes to the documents library)."""
        return OrderDocumentView(**await order_records.add_document(request.user, record_id, data))

    @get("/{record_id:str}/documents", operation_id="listOrderDocuments")
    async def documents(
        self, request: Req, record_id: FromPath[str], order_records: NamedDependency[OrderRecordService]
    ) -> list[OrderDocumentView]:
        """The order's documents, oldest first."""
        return [OrderDocumentView(**d) for d in await order_records.documents(request.user, record_id)]
