"""Activities of the documents library (issue 14 Builds 3 and 5), for the ``documents`` worker:
synchronous, on its thread pool, over :mod:`schema.repositories.documents`.

- ``extract_document(DocumentRef) -> ExtractionResult``: processing -> read the blob (tenant
  keyring) -> extract (heartbeat per PDF page) -> chunk -> embed (``core.embeddings``) -> chunks +
  ``completed`` in one transaction (idempotent: a retry replaces the set). A PDF without text ends
  ``skipped``. An unextractable file raises non-retryable ``DocumentUnextractable`` (the reason
  is its message); it never crashes the worker.
- ``finish_document(FinishInput)``: records ``failed`` with the reason.
- ``ingest_document(IngestInput) -> str``: THE hand-off other features call (inbox attachments,
  issue 13; generated documents): stores the bytes, creates the row idempotently on
  ``(tenant, source_type, source_ref)`` and starts extraction (``doc-{tenant}-{id}``); the
  document id. Same write path as the API's upload (``repo.add_document``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities.document_text import Unextractable, chunk, extract
from activities.operations import permanent_db_errors
from core import doc_types
from core.document_store import DocumentBlobs, ObjectNotFound
from core.embeddings import MODEL, embedder, pack
from core.failures import Failure
from core.faults import failpoint
from core.settings import Settings
from core.vault import VaultStore
from schema.db import tenant_transaction
from schema.repositories import documents as repo
from workflows.documents import DocumentRef, ExtractionResult, FinishInput, start_extraction


@dataclass(frozen=True)
class IngestInput:
    """A file another feature hands to the library. ``blob`` is the file's bytes (activity inputs
    are encrypted by the tenant's codec; keep them under the payload size limit, a few MB)."""

    tenant_id: str
    source_type: str
    """email_attachment | generated | order_document | manual_upload"""
    source_ref: str
    """The inbound message + attachment id, or the generating feature's key: the idempotency key."""
    filename: str
    blob: bytes
    category: str = "other"
    title: str | None = None


def _tick(page: int) -> None:
    activity.heartbeat(page)
    if page == FAILPOINT_PAGE:
        failpoint("documents.mid_extraction")


FAILPOINT_PAGE = 100
"""Where the ``documents.mid_extraction`` failpoint (core/faults.py, tests only) ends the worker."""


def _unextractable(reason: str) -> ApplicationError:
    return ApplicationError(reason, type=Failure.DOCUMENT_UNEXTRACTABLE, non_retryable=True)


class DocumentActivities:
    def __init__(self, settings: Settings, engine: Engine, client: Client | None = None) -> None:
        self._settings, self._engine, self._client = settings, engine, client
        self._blobs = DocumentBlobs(settings, VaultStore(settings))

    @activity.defn(name="extract_document")
    def extract_document(self, ref: DocumentRef) -> ExtractionResult:
        cfg = self._settings.documents
        with tenant_transaction(self._engine, ref.tenant_id) as s:
            doc = repo.mark_processing(s, ref.tenant_id, ref.document_id)
            if doc is None:
                raise _unextractable("document deleted")
            if doc.extraction_status != "processing":  # already finished by an earlier attempt
                return ExtractionResult(
                    doc.extraction_status, doc.status_reason, doc.page_count, doc.chunk_count
                )
            mime, key = doc.mime_type, doc.blob_key
            s.commit()
        try:
            data = self._blobs.get(ref.tenant_id, key or "")
        except (ObjectNotFound, ValueError):
            raise _unextractable("file missing") from None
        try:
            pages, passages = extract(data, mime, cfg, _tick)
        except Unextractable as e:
            if e.status == "skipped":
                with permanent_db_errors(), tenant_transaction(self._engine, ref.tenant_id) as s:
                    repo.mark_done(s, ref.tenant_id, ref.document_id, "skipped", e.reason)
                    s.commit()
                return ExtractionResult("skipped", e.reason)
            raise _unextractable(e.reason) from None
        chunks = chunk(passages, cfg.chunk_chars)
        activity.heartbeat("embedding")
        vectors = embedder().embed([c.text for c in chunks])
        rows = [
            repo.NewChunk(c.text, c.page, c.section, pack(v), MODEL)
            for c, v in zip(chunks, vectors, strict=True)
        ]
        with permanent_db_errors(), tenant_transaction(self._engine, ref.tenant_id) as s:
            n = repo.replace_chunks(s, ref.tenant_id, ref.document_id, rows, pages)
            s.commit()
        failpoint("documents.after_commit")  # tests: dies before Temporal hears of the result
        return ExtractionResult("completed", None, pages, n)

    @activity.defn(name="finish_document")
    def finish_document(self, f: FinishInput) -> None:
        with permanent_db_errors(), tenant_transaction(self._engine, f.ref.tenant_id) as s:
            repo.mark_done(s, f.ref.tenant_id, f.ref.document_id, f.status, f.reason)
            s.commit()

    @activity.defn(name="ingest_document")
    async def ingest_document(self, i: IngestInput) -> str:
        if self._client is None:
            raise RuntimeError("ingest_document needs a Temporal client")
        doc_id = await asyncio.to_thread(self._add, i)
        await start_extraction(self._client, DocumentRef(i.tenant_id, doc_id))
        return doc_id

    def _add(self, i: IngestInput) -> str:
        try:
            with permanent_db_errors(), tenant_transaction(self._engine, i.tenant_id) as s:
                doc, _ = repo.add_document(
                    s, self._blobs, i.tenant_id, i.blob, self._settings.documents.allowed_types,
                    filename=i.filename, title=i.title, category=i.category,
                    source_type=i.source_type, source_ref=i.source_ref,
                )  # fmt: skip
                s.commit()
                return doc.id
        except doc_types.UnsupportedType as e:
            raise ApplicationError(str(e), type=Failure.DOCUMENT_UNEXTRACTABLE, non_retryable=True) from None

    def all(self) -> list[Callable[..., Any]]:
        return [self.extract_document, self.finish_document, self.ingest_document]
