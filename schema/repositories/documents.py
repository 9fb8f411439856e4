"""The documents library's rows (issue 14): documents and their chunks, session-style.

- :func:`create_document` is idempotent on ``(tenant, source_type, source_ref)`` when
  ``source_ref`` is set (the ``uq_documents_source`` index): a second call returns the first row.
- :func:`replace_chunks` deletes and inserts a document's chunks in the caller's transaction, so a
  retried extraction leaves exactly one set.
- Status moves: :func:`mark_processing`, :func:`mark_done` (completed|failed|skipped).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from core import doc_types
from core.document_store import DocumentBlobs
from schema.documents import Document, DocumentChunk
from schema.intake import OrderDocument
from schema.repositories.paging import Page, keyset_page
from workflows.ids import document_workflow_id


@dataclass(frozen=True)
class NewChunk:
    text: str
    page: int | None
    section: str | None
    embedding: bytes | None
    embedding_model: str | None


def create_document(s: Session, tenant_id: str, doc: Document) -> tuple[Document, bool]:
    """Insert ``doc`` for ``tenant_id``; ``(row, created)``. With a ``source_ref``, an existing row
    for the same source is returned instead (``created`` False)."""
    doc.tenant_id = tenant_id
    if doc.source_ref is not None:
        table = Document.__table__  # type: ignore[attr-defined]
        values = {c.name: getattr(doc, c.name) for c in table.columns if c.name != "created_at"}
        stmt = (
            insert(Document)
            .values(**values)
            .on_conflict_do_nothing(
                index_elements=["tenant_id", "source_type", "source_ref"],
                index_where=col(Document.source_ref).is_not(None),
            )
            .returning(col(Document.id))
        )
        inserted = s.execute(stmt).scalar_one_or_none()
        row = by_source(s, tenant_id, doc.source_type, doc.source_ref)
        assert row is not None  # noqa: S101 - the insert or the conflicting row exists
        return row, inserted is not None
    s.add(doc)
    s.flush()
    return doc, True


def add_document(
    s: Session,
    blobs: DocumentBlobs,
    tenant_id: str,
    data: bytes,
    allowed: Sequence[str],
    *,
    filename: str | None,
    title: str | None,
    category: str,
    source_type: str,
    source_ref: str | None = None,
    created_by: str | None = None,
) -> tuple[Document, bool]:
    """The one way a file enters the library (upload, order document, ingestion): sniff the type
    from the bytes, record sha256 and size, insert the row (idempotent with a ``source_ref``) and
    seal the blob under the tenant's keyring; ``(row, created)``. The caller commits and then
    starts extraction (``workflows.documents.start_extraction``).

    Raises ``doc_types.UnsupportedType`` when the sniffed type is not in ``allowed``."""
    mime = doc_types.sniff(data)
    if mime not in allowed:
        raise doc_types.UnsupportedType(mime)
    doc = Document(
        tenant_id=tenant_id,
        title=(title or filename or "untitled")[:300],
        filename=filename[:300] if filename else None,
        source_type=source_type,
        source_ref=source_ref,
        category=category,
        mime_type=mime,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_by=created_by,
    )
    doc, created = create_document(s, tenant_id, doc)
    if doc.blob_key is None:
        doc.blob_key = blobs.put(tenant_id, doc.id, data)
        doc.workflow_id = document_workflow_id(tenant_id, doc.id)
        s.add(doc)
        s.flush()
    return doc, created


def by_source(s: Session, tenant_id: str, source_type: str, source_ref: str) -> Document | None:
    return s.execute(
        select(Document).where(
            col(Document.tenant_id) == tenant_id,
            col(Document.source_type) == source_type,
            col(Document.source_ref) == source_ref,
        )
    ).scalar_one_or_none()


def get_document(s: Session, tenant_id: str, document_id: str) -> Document | None:
    return s.execute(
        select(Document).where(col(Document.tenant_id) == tenant_id, col(Document.id) == document_id)
    ).scalar_one_or_none()


def list_documents(
    s: Session,
    tenant_id: str,
    *,
    category: str | None = None,
    source_type: str | None = None,
    extraction_status: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Document]:
    """Newest first; ``q`` matches the title (case-insensitive substring). Raises BadCursor."""
    query = select(Document).where(col(Document.tenant_id) == tenant_id)
    if category:
        query = query.where(col(Document.category) == category)
    if source_type:
        query = query.where(col(Document.source_type) == source_type)
    if extraction_status:
        query = query.where(col(Document.extraction_status) == extraction_status)
    if q:
        esc = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(col(Document.title).ilike(f"%{esc}%", escape="\\"))
    return keyset_page(
        s,
        query,
        col(Document.created_at),
        col(Document.id),
        sort="created",
        descending=True,
        cursor=cursor,
        limit=limit,
    )


def update_document(s: Session, doc: Document, *, title: str | None, category: str | None) -> Document:
    if title is not None:
        doc.title = title
    if category is not None:
        doc.category = category
    doc.updated_at = datetime.now(UTC)
    s.add(doc)
    s.flush()
    return doc


def delete_document(s: Session, doc: Document) -> None:
    """The row and its chunks (and unlinks an order document pointing at it)."""
    s.execute(delete(DocumentChunk).where(col(DocumentChunk.document_id) == doc.id))
    for od in s.execute(
        select(OrderDocument).where(
            col(OrderDocument.tenant_id) == doc.tenant_id, col(OrderDocument.document_id) == doc.id
        )
    ).scalars():
        od.document_id = None
        s.add(od)
    s.delete(doc)
    s.flush()


def chunks_of(s: Session, tenant_id: str, document_id: str) -> list[DocumentChunk]:
    return list(
        s.execute(
            select(DocumentChunk)
            .where(col(DocumentChunk.tenant_id) == tenant_id, col(DocumentChunk.document_id) == document_id)
            .order_by(col(DocumentChunk.ordinal))
        ).scalars()
    )


def mark_processing(s: Session, tenant_id: str, document_id: str) -> Document | None:
    doc = get_document(s, tenant_id, document_id)
    if doc is not None and doc.extraction_status in ("pending", "processing"):
        doc.extraction_status, doc.updated_at = "processing", datetime.now(UTC)
        s.add(doc)
    return doc


def replace_chunks(
    s: Session, tenant_id: str, document_id: str, chunks: Sequence[NewChunk], page_count: int | None
) -> int:
    """Delete the document's chunks, insert ``chunks`` as ordinals 0..n-1 and mark it completed,
    in the caller's transaction (one set of chunks however often it runs). The count."""
    s.execute(delete(DocumentChunk).where(col(DocumentChunk.document_id) == document_id))
    for i, c in enumerate(chunks):
        s.add(
            DocumentChunk(
                tenant_id=tenant_id,
                document_id=document_id,
                ordinal=i,
                page=c.page,
                section=c.section[:300] if c.section else None,
                text=c.text,
                embedding=c.embedding,
                embedding_model=c.embedding_model,
            )
        )
    mark_done(s, tenant_id, document_id, "completed", None, page_count=page_count, chunk_count=len(chunks))
    return len(chunks)


def mark_done(
    s: Session,
    tenant_id: str,
    document_id: str,
    status: str,
    reason: str | None,
    *,
    page_count: int | None = None,
    chunk_count: int = 0,
) -> None:
    doc = get_document(s, tenant_id, document_id)
    if doc is None:
        return
    doc.extraction_status, doc.status_reason = status, reason
    doc.page_count, doc.chunk_count = page_count, chunk_count
    doc.extracted_at = doc.updated_at = datetime.now(UTC)
    s.add(doc)
    s.flush()


def chunk_count(s: Session, document_id: str) -> int:
    return int(
        s.execute(select(func.count()).where(col(DocumentChunk.document_id) == document_id)).scalar_one()
    )


def attach_order_document(s: Session, tenant_id: str, order_document_id: str, document_id: str) -> None:
    od = s.execute(
        select(OrderDocument).where(
            col(OrderDocument.tenant_id) == tenant_id, col(OrderDocument.id) == order_document_id
        )
    ).scalar_one()
    od.document_id, od.received_at = document_id, datetime.now(UTC)
    s.add(od)
    s.flush()


def order_document(s: Session, tenant_id: str, order_id: str, order_document_id: str) -> OrderDocument | None:
    return s.execute(
        select(OrderDocument).where(
            col(OrderDocument.tenant_id) == tenant_id,
            col(OrderDocument.order_id) == order_id,
            col(OrderDocument.id) == order_document_id,
        )
    ).scalar_one_or_none()
