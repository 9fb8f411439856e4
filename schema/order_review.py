"""The order processor's records (seed 004 P0.5): its review of each order and the exceptions it
found, which people clear through the work queues (issue 12, Build 4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from schema.tables import _ts, new_id, tenant_fk


class OrderProcessing(SQLModel, table=True):
    """The order processor's record per order (seed 004 ``order_processing_queue``)."""

    __tablename__ = "order_processing_queue"
    __table_args__ = (
        UniqueConstraint("tenant_id", "order_id", name="uq_order_processing_order"),
        tenant_fk("order_processing_queue", "order_id", "orders"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    order_id: str = Field(max_length=64)
    status: str = Field(max_length=20)
    """validated or exception."""
    auto_fixes: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    run_id: str | None = Field(default=None, max_length=200)
    processed_at: datetime = _ts(nullable=False, default=True)


class OrderException(SQLModel, table=True):
    """One validation failure of an order (seed 004 ``order_processing_exceptions``)."""

    __tablename__ = "order_processing_exceptions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "order_id", "code", name="uq_order_exception_code"),
        tenant_fk("order_processing_exceptions", "order_id", "orders"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    order_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=20)
    """pricing, credit, requirements."""
    code: str = Field(max_length=50)
    message: str
    resolved_at: datetime | None = _ts()
    created_at: datetime = _ts(nullable=False, default=True)
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: datetime | None = _ts()
    resolved_by: str | None = Field(default=None, max_length=200)
    resolution: str | None = None
    """Why it was resolved (work queues, issue 12 Build 4)."""
    outcome: str | None = Field(default=None, max_length=20)
    """fixed (the order was corrected: re-validated) or overridden (accepted as is: the order
    processor passes this code for this order)."""
