"""An order's status transitions and document metadata (issue 12, Build 1; seed 004 P0.5).

A transition follows :data:`schema.record_models.ORDER_TRANSITIONS` (409 names from and to);
``delivered`` stamps ``delivered_at`` (``POST /api/orders/{id}/delivered`` starts the feedback
request, seed 004 P1.3). Errors as :mod:`api.services.records`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from api.auth import Principal
from api.errors import ConflictException
from api.records.specs import RECORDS
from api.services.records import RecordService, row_values
from schema.intake import OrderDocument
from schema.record_models import ORDER_TRANSITIONS, OrderDocumentIn, OrderTransition
from schema.repositories import records as repo

ORDERS = next(a for a in RECORDS if a.spec.name == "order")


class OrderRecordService(RecordService):
    async def transition(self, p: Principal, order_id: str, body: OrderTransition) -> Any:
        def work(s: Session) -> Any:
            row = repo.get_record(s, ORDERS.spec, p.tenant_id, order_id)
            if row.archived_at is not None:
                raise ConflictException(f"order {order_id!r} is archived")
            if body.status not in ORDER_TRANSITIONS[row.status]:
                raise ConflictException(f"status: an order cannot go from {row.status} to {body.status}")
            now = datetime.now(UTC)
            row.status, row.updated_at = body.status, now
            if body.status == "delivered" and row.delivered_at is None:
                row.delivered_at = now
            s.flush()
            return ORDERS.view.model_validate(row.model_dump())

        return await self._db(p.tenant_id, work)

    async def add_document(self, p: Principal, order_id: str, body: OrderDocumentIn) -> dict[str, Any]:
        def work(s: Session) -> dict[str, Any]:
            repo.get_record(s, ORDERS.spec, p.tenant_id, order_id)
            doc = OrderDocument(tenant_id=p.tenant_id, order_id=order_id, **row_values(body))
            s.add(doc)
            s.flush()
            return doc.model_dump()

        return await self._db(p.tenant_id, work)

    async def documents(self, p: Principal, order_id: str) -> list[dict[str, Any]]:
        def work(s: Session) -> list[dict[str, Any]]:
            repo.get_record(s, ORDERS.spec, p.tenant_id, order_id)
            rows = s.execute(
                select(OrderDocument)
                .where(col(OrderDocument.tenant_id) == p.tenant_id, col(OrderDocument.order_id) == order_id)
                .order_by(OrderDocument.created_at, OrderDocument.id)
            ).scalars()
            return [r.model_dump() for r in rows]

        return await self._db(p.tenant_id, work)
