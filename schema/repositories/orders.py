"""Order review's data (seed 004 P0.5): the order with its catalog entry and client credit, and
the review's writes (status, safe auto-fixes, exceptions). Rules: :mod:`workflows.cycle.orders`."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from schema.business import Client, Order, Product
from schema.order_review import OrderException, OrderProcessing
from schema.tables import stable_id
from workflows.cycle.orders import CatalogEntry, ClientCredit, OrderFacts, OrderReview


def order_facts(
    s: Session, tenant_id: str, order_id: str
) -> tuple[OrderFacts, CatalogEntry | None, ClientCredit | None] | None:
    """The tenant's order as the review reads it, its product's catalog entry and its client's
    credit (outstanding = unpaid billed orders other than this one); None if not the tenant's.

    One statement (issue 17 Build 6; it was four: the order, its product, its client, the
    outstanding sum): the product (the tenant's first with the order's code) and the client
    are outer-joined, the outstanding sum is a scalar subquery."""
    other, same_code = aliased(Order), aliased(Product)
    product_id = (
        select(same_code.id)
        .where(
            col(same_code.tenant_id) == tenant_id,
            col(same_code.code) == col(Order.product_code),
            col(Order.product_code) != "",  # no code: no product (as before)
        )
        .correlate(Order)
        .limit(1)
        .scalar_subquery()
    )
    outstanding = (
        select(func.coalesce(func.sum(other.total_amount), 0))
        .where(
            col(other.tenant_id) == tenant_id,
            col(other.client_id) == col(Client.id),
            col(other.billing_method) == "bill",
            col(other.payment_status) != "paid",
            col(other.status) != "cancelled",
            col(other.id) != col(Order.id),
        )
        .correlate(Order, Client)
        .scalar_subquery()
    )
    row = s.execute(
        select(
            Order,
            col(Product.code),
            col(Product.fee),
            col(Product.tech_fee),
            col(Client.id),
            col(Client.active),
            col(Client.credit_limit),
            outstanding,
        )
        .select_from(Order)
        .outerjoin(Product, col(Product.id) == product_id)
        .outerjoin(Client, col(Client.id) == col(Order.client_id))
        .where(col(Order.id) == order_id, col(Order.tenant_id) == tenant_id)
    ).first()
    if row is None:
        return None
    order, code, fee, tech_fee, client_id, active, credit_limit, owed = row
    credit = (
        ClientCredit(active=active, credit_limit=credit_limit, outstanding_balance=Decimal(owed))
        if client_id is not None
        else None
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
    entry = CatalogEntry(code=code, fee=fee, tech_fee=tech_fee) if code is not None else None
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
