"""How business data comes in (issue 12): CSV imports staged row by row, signed order webhook
deliveries, and the metadata of an order's documents.

An import's rows are staged in ``import_rows`` in the same transaction that creates its
``import_jobs`` row (nothing half-written); the import workflow then validates and upserts them
in batches, each batch one transaction that also records every row's outcome, so a retried batch
skips rows already done (exactly once, even when a worker dies mid-import).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from schema.tables import _ts, new_id, tenant_fk, tenant_unique


class ImportJob(SQLModel, table=True):
    """One CSV import. ``entity``: accounts, contacts, products, orders. ``status``: pending →
    running → completed | failed. Counts are rows; ``dry_run`` reports what would happen and
    writes no record."""

    __tablename__ = "import_jobs"
    __table_args__ = (tenant_unique("import_jobs"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    entity: str = Field(max_length=20)
    dry_run: bool = False
    status: str = Field(default="pending", max_length=20)
    filename: str | None = Field(default=None, max_length=300)
    total_rows: int = 0
    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    workflow_id: str | None = Field(default=None, max_length=200)
    created_by: str | None = Field(default=None, max_length=200)
    error: str | None = None
    created_at: datetime = _ts(nullable=False, default=True)
    completed_at: datetime | None = _ts()


class ImportRow(SQLModel, table=True):
    """One staged CSV row (``row_no`` 1-based, after the header) and its outcome: pending,
    created, updated, unchanged or rejected (``reason`` names the field)."""

    __tablename__ = "import_rows"
    __table_args__ = (
        UniqueConstraint("import_id", "row_no", name="uq_import_row"),
        tenant_fk("import_rows", "import_id", "import_jobs", ondelete="CASCADE"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    import_id: str = Field(index=True, max_length=64)
    row_no: int
    data: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    status: str = Field(default="pending", max_length=20)
    reason: str | None = None
    record_id: str | None = Field(default=None, max_length=64)


class WebhookDelivery(SQLModel, table=True):
    """A verified Standard Webhooks delivery (``webhook-id``), once per tenant: a replay within
    the timestamp tolerance is recognised here and changes nothing."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("tenant_id", "webhook_id", name="uq_webhook_delivery"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    webhook_id: str = Field(max_length=200)
    kind: str = Field(default="orders", max_length=20)
    external_id: str | None = Field(default=None, max_length=200)
    outcome: str = Field(max_length=20)
    """created, updated or unchanged."""
    received_at: datetime = _ts(nullable=False, default=True)


class OrderDocument(SQLModel, table=True):
    """A document of an order (seed 004 ``order_documents``): metadata here, the file itself in the
    documents library once uploaded (``document_id``, issue 14)."""

    __tablename__ = "order_documents"
    __table_args__ = (
        tenant_unique("order_documents"),
        tenant_fk("order_documents", "order_id", "orders", ondelete="CASCADE"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    order_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=50)
    """What it is: engagement_letter, appraisal_report, invoice, contract, other."""
    filename: str | None = Field(default=None, max_length=300)
    mime_type: str | None = Field(default=None, max_length=100)
    size_bytes: int | None = None
    required: bool = False
    received_at: datetime | None = _ts()
    document_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = _ts(nullable=False, default=True)
