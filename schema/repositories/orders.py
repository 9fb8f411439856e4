"""Order review's data (seed 004 P0.5): the order with its catalog entry and client credit, and
the review's writes (status, safe auto-fixes, exceptions). Rules: :mod:`workflows.cycle.orders`."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.business import Client, Order, Product
from schema.order_review import OrderException, OrderProcessing
from schema.tables import stable_id
from workflows.cycle.orders import CatalogEntry, ClientCredit, OrderFacts, OrderReview


def order_facts(
    s: Session, tenant_id: str, order_id: str
) -> tuple[OrderFacts, CatalogEntry | None, ClientCredit | None] | None:
    """The tenant's order as the review reads it, its product's catalog entry and its client's
    credit (outstanding = unpaid billed orders other than this one); None if not the tenant's."""
    order = s.get(Order, order_id)
    if order is None or order.tenant_id != tenant_id:
        return None
    product = (
        s.execute(
            select(Product).where(
                col(Product.tenant_id) == tenant_id, col(Product.code) == order.product_code
            )
        ).scalar()
        if order.product_code
        else None
    )
    client = s.get(Client, order.client_id) if order.client_id else None
    credit = None
    if client is not None:
        outstanding = s.execute(
            select(func.coalesce(func.sum(Order.total_amount), 0)).where(
                col(Order.tenant_id) == tenant_id,
                col(Order.client_id) == client.id,
                col(Order.billing_method) == "bill",
                col(Order.payment_status) != "paid",
                col(Order.status) != "cancelled",
                col(Order.id) != order.id,
            )
        ).one()[0]
        credit = ClientCredit(
            active=client.active, credit_limit=client.credit_limit, outstanding_balance=Decimal(outstanding)
        )
    facts = OrderFacts(
        id=order.id,
        product_code=order.product_code,
        fee_amount=order.fee_amount,
        tech_fee=order.tech_fee,
        total_amount=order.total_amount,
        billing_method=order.billing_method,  # type: ignore[arg-type]
        property_address=order.property_address,
        borrower_name=order.borrower_name,
        borrower_email=order.borrower_email,
        borrower_phone=order.borrower_phone,
        property_contact_name=order.property_contact_name,
        property_contact_phone=order.property_contact_phone,
    )
    entry = CatalogEntry(code=product.code, fee=product.fee, tech_fee=product.tech_fee) if product else None
    return facts, entry, credit


def save_review(s: Session, tenant_id: str, order_id: str, run_id: str, review: OrderReview) -> str:
    """Write the review: the order's processing status and auto-fixed fields, its
    ``order_processing`` row and one ``order_exceptions`` row per issue (each once). Returns the
    status: ``validated`` or ``exception``."""
    status = "validated" if review.ok else "exception"
    values: dict[str, Any] = {f.field: f.new for f in review.fixes}
    s.execute(update(Order).where(col(Order.id) == order_id).values(processing_status=status, **values))
    now = datetime.now(UTC)
    s.execute(
        insert(OrderProcessing.__table__)  # type: ignore[attr-defined]
        .values(
            id=stable_id(tenant_id, order_id),
            tenant_id=tenant_id,
            order_id=order_id,
            status=status,
            auto_fixes=[f.model_dump(mode="json") for f in review.fixes],
            run_id=run_id,
            processed_at=now,
        )
        .on_conflict_do_update(
            index_elements=["id"],
            set_={
                "status": status,
                "auto_fixes": [f.model_dump(mode="json") for f in review.fixes],
                "run_id": run_id,
                "processed_at": now,
            },
        )
    )
    for issue in review.issues:
        s.execute(
            insert(OrderException.__table__)  # type: ignore[attr-defined]
            .values(
                id=stable_id(tenant_id, order_id, issue.code),
                tenant_id=tenant_id,
                order_id=order_id,
                kind=issue.kind,
                code=issue.code,
                message=issue.message,
                created_at=now,
            )
            .on_conflict_do_update(  # fixed, yet still there: open again for a person
                index_elements=["id"],
                set_={
                    "resolved_at": None,
                    "resolved_by": None,
                    "resolution": None,
                    "outcome": None,
                    "claimed_by": None,
                    "claimed_at": None,
                    "message": issue.message,
                },
                where=col(OrderException.outcome) == "fixed",
            )
        )
    return status


def overridden_codes(s: Session, tenant_id: str, order_id: str) -> frozenset[str]:
    """Issue codes of this order a person resolved as ``overridden`` (accepted as they are): the
    review passes them (work queues, issue 12 Build 4)."""
    return frozenset(
        s.execute(
            select(OrderException.code).where(
                col(OrderException.tenant_id) == tenant_id,
                col(OrderException.order_id) == order_id,
                col(OrderException.outcome) == "overridden",
            )
        ).scalars()
    )
