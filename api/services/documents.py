"""The documents library's API service (issue 14 Build 2): upload, list, get, patch, delete,
download, text, and the order-document upload. Rows through :mod:`schema.repositories.documents`
on a worker thread in the caller's tenant (RLS), blobs through :class:`core.document_store.DocumentBlobs`
(the tenant's keyring), extraction started with ``workflows.documents.start_extraction``.

Errors (:mod:`api.errors`): 404 for a document or order document that is not the tenant's (or
missing); 413 over ``documents.max_upload_bytes``; 415 for a sniffed type outside
``documents.allowed_types``; 422 for an empty file or an unknown category; 400 for a bad cursor.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar.datastructures import UploadFile
from litestar.exceptions import ClientException
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from temporalio.client import Client

from api.auth import Principal
from api.errors import NotFoundException, UnprocessableException, ValidationException
from api.schemas.documents import ChunkView, DocumentPage, DocumentText, DocumentView
from core import doc_types
from core.document_store import DocumentBlobs, ObjectNotFound
from core.settings import Settings
from core.vault import VaultStore
from schema.db import tenant_transaction
from schema.documents import CATEGORIES, Document
from schema.repositories import documents as repo
from schema.repositories.paging import BadCursor
from workflows.documents import DocumentRef, start_extraction


class PayloadTooLarge(ClientException):
    status_code = 413


class UnsupportedMediaType(ClientException):
    status_code = 415


class DocumentService:
    def __init__(self, client: Client, engine: Engine, settings: Settings) -> None:
        self.client, self.engine, self.settings = client, engine, settings
        self.blobs = DocumentBlobs(settings, VaultStore(settings))

    async def _db(self, tenant_id: str, work: Any) -> Any:
        def run() -> Any:
            with tenant_transaction(self.engine, tenant_id) as s:
                return work(s)

        return await asyncio.to_thread(run)

    def _require(self, s: Session, tenant_id: str, document_id: str) -> Document:
        doc = repo.get_document(s, tenant_id, document_id)
        if doc is None:
            raise NotFoundException(f"no document {document_id!r}")
        return doc

    async def _read(self, file: UploadFile) -> bytes:
        limit = self.settings.documents.max_upload_bytes
        data = await file.read(limit + 1)
        if len(data) > limit:
            raise PayloadTooLarge(f"file over {limit} bytes")
        if not data:
            raise UnprocessableException("empty file")
        return data

    async def _add(self, who: Principal, file: UploadFile, work: Any) -> Document:
        data = await self._read(file)
        try:
            doc: Document = await self._db(who.tenant_id, lambda s: work(s, data))
        except doc_types.UnsupportedType as e:
            raise UnsupportedMediaType(str(e)) from None
        await start_extraction(self.client, DocumentRef(who.tenant_id, doc.id))
        return doc

    async def upload(
        self, who: Principal, file: UploadFile, title: str | None, category: str | None
    ) -> DocumentView:
        """A manual upload; 201 with the row (extraction ``pending``)."""
        category = category or "other"
        if category not in CATEGORIES:
            raise UnprocessableException(f"unknown category {category!r}")

        def work(s: Session, data: bytes) -> Document:
            doc, _ = repo.add_document(
                s, self.blobs, who.tenant_id, data, self.settings.documents.allowed_types,
                filename=file.filename, title=title, category=category, source_type="manual_upload",
                created_by=who.user_id,
            )  # fmt: skip
            s.commit()
            s.refresh(doc)
            return doc

        return DocumentView.model_validate(await self._add(who, file, work))

    async def upload_order_document(
        self, who: Principal, order_id: str, order_document_id: str, file: UploadFile
    ) -> DocumentView:
        """The file of an ``order_documents`` row: a document with source ``order_document``
        (idempotent per row), linked back (``document_id``, ``received_at``)."""

        def check(s: Session) -> str:
            od = repo.order_document(s, who.tenant_id, order_id, order_document_id)
            if od is None:
                raise NotFoundException(f"no order document {order_document_id!r} on order {order_id!r}")
            return od.kind

        kind = await self._db(who.tenant_id, check)

        def work(s: Session, data: bytes) -> Document:
            category = (
                kind if kind in CATEGORIES else ("contract" if kind == "engagement_letter" else "other")
            )
            doc, _ = repo.add_document(
                s, self.blobs, who.tenant_id, data, self.settings.documents.allowed_types,
                filename=file.filename, title=None, category=category, source_type="order_document",
                source_ref=order_document_id, created_by=who.user_id,
            )  # fmt: skip
            repo.attach_order_document(s, who.tenant_id, order_document_id, doc.id)
            s.commit()
            s.refresh(doc)
            return doc

        return DocumentView.model_validate(await self._add(who, file, work))

    async def list(self, who: Principal, **filters: Any) -> DocumentPage:
        try:
            page = await self._db(who.tenant_id, lambda s: repo.list_documents(s, who.tenant_id, **filters))
        except BadCursor:
            raise ValidationException("bad cursor") from None
        return DocumentPage(
            items=[DocumentView.model_validate(d) for d in page.items], next_cursor=page.next_cursor
        )

    async def get(self, who: Principal, document_id: str) -> DocumentView:
        doc = await self._db(who.tenant_id, lambda s: self._require(s, who.tenant_id, document_id))
        return DocumentView.model_validate(doc)

    async def patch(
        self, who: Principal, document_id: str, title: str | None, category: str | None
    ) -> DocumentView:
        def work(s: Session) -> Document:
            doc = repo.update_document(
                s, self._require(s, who.tenant_id, document_id), title=title, category=category
            )
            s.commit()
            s.refresh(doc)
            return doc

        return DocumentView.model_validate(await self._db(who.tenant_id, work))

    async def delete(self, who: Principal, document_id: str) -> None:
        """The row, its chunks and its blob (a running extraction then finds it gone)."""

        def work(s: Session) -> str | None:
            doc = self._require(s, who.tenant_id, document_id)
            key = doc.blob_key
            repo.delete_document(s, doc)
            s.commit()
            return key

        key = await self._db(who.tenant_id, work)
        if key:
            await asyncio.to_thread(self.blobs.delete, who.tenant_id, key)

    async def download(self, who: Principal, document_id: str) -> tuple[Document, bytes]:
        doc: Document = await self._db(who.tenant_id, lambda s: self._require(s, who.tenant_id, document_id))
        try:
            data = await asyncio.to_thread(self.blobs.get, who.tenant_id, doc.blob_key or "")
        except (ObjectNotFound, ValueError):
            raise NotFoundException(f"no file for document {document_id!r}") from None
        return doc, data

    async def text(self, who: Principal, document_id: str) -> DocumentText:
        def work(s: Session) -> DocumentText:
            doc = self._require(s, who.tenant_id, document_id)
            chunks = repo.chunks_of(s, who.tenant_id, document_id)
            return DocumentText(
                document_id=doc.id,
                extraction_status=doc.extraction_status,
                chunks=[ChunkView.model_validate(c) for c in chunks],
            )

        result: DocumentText = await self._db(who.tenant_id, work)
        return result
