"""The documents library (seed 004 P1.1, issue 14): a tenant's documents, their extracted text in
chunks with page and section, and each chunk's full-text vector and embedding.

Enums (seed 004 P1.1; ``gmail_attachment`` is ``email_attachment`` here):
- ``source_type``: order_document, email_attachment, manual_upload, generated;
- ``category``: contract, invoice, sop, bid_template, email_attachment, appraisal_report,
  client_document, internal, other;
- ``extraction_status``: pending, processing, completed, failed, skipped (``status_reason`` says why).

The file itself is encrypted in the object store under ``blob_key``; ``mime_type`` is sniffed from
the bytes, never taken from the client. ``document_chunks.tsv`` is a generated ``tsvector``
(English configuration) with a GIN index (migration 0010).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from schema.tables import _ts, new_id, tenant_fk, tenant_unique

SOURCE_TYPES = ("order_document", "email_attachment", "manual_upload", "generated")
Category = Literal[
    "contract",
    "invoice",
    "sop",
    "bid_template",
    "email_attachment",
    "appraisal_report",
    "client_document",
    "internal",
    "other",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
EXTRACTION_STATUSES = ("pending", "processing", "completed", "failed", "skipped")


class Document(SQLModel, table=True):
    __tablename__ = "documents"
    __table_args__ = (tenant_unique("documents"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    title: str = Field(max_length=300)
    filename: str | None = Field(default=None, max_length=300)
    source_type: str = Field(max_length=20)
    source_ref: str | None = Field(default=None, max_length=300)
    """The order document id, inbound message id or generating feature's key."""
    category: str = Field(default="other", max_length=30)
    mime_type: str = Field(max_length=100)
    size_bytes: int
    sha256: str = Field(max_length=64)
    blob_key: str | None = Field(default=None, max_length=300)
    extraction_status: str = Field(default="pending", max_length=20, index=True)
    status_reason: str | None = None
    page_count: int | None = None
    chunk_count: int = 0
    workflow_id: str | None = Field(default=None, max_length=200)
    created_by: str | None = Field(default=None, max_length=200)
    created_at: datetime = _ts(nullable=False, default=True)
    updated_at: datetime | None = _ts()
    extracted_at: datetime | None = _ts()


class DocumentChunk(SQLModel, table=True):
    """A passage of a document's text: ``ordinal`` in document order, ``page`` (1-based, PDFs) and
    ``section`` (a DOCX heading, header or footer); ``embedding`` packed by the embedder
    (``embedding_model`` names it)."""

    __tablename__ = "document_chunks"
    __table_args__ = (
        tenant_fk("document_chunks", "document_id", "documents", ondelete="CASCADE"),
        UniqueConstraint("document_id", "ordinal", name="uq_document_chunk_ordinal"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    document_id: str = Field(index=True, max_length=64)
    ordinal: int
    page: int | None = None
    section: str | None = Field(default=None, max_length=300)
    text: str
    embedding: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    embedding_model: str | None = Field(default=None, max_length=100)
