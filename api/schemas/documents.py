"""Request and response bodies of the documents library API (issue 14)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from litestar.datastructures import UploadFile
from pydantic import BaseModel, ConfigDict, Field

from schema.documents import Category


@dataclass
class UploadForm:
    """``multipart/form-data``: the file, an optional title (default: the file name) and category."""

    file: UploadFile
    title: str | None = None
    category: str | None = None


class DocumentView(BaseModel):
    """A ``documents`` row. ``mime_type`` is sniffed from the bytes; ``extraction_status``:
    pending, processing, completed, failed, skipped (``status_reason`` says why)."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    title: str
    filename: str | None
    source_type: str
    source_ref: str | None
    category: str
    mime_type: str
    size_bytes: int
    sha256: str
    extraction_status: str
    status_reason: str | None
    page_count: int | None
    chunk_count: int
    workflow_id: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime | None
    extracted_at: datetime | None


class DocumentPage(BaseModel):
    items: list[DocumentView]
    next_cursor: str | None
    """Pass as ``cursor`` for the next page; null on the last."""


class DocumentPatch(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    category: Category | None = None


class ChunkView(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    ordinal: int
    page: int | None
    """1-based PDF page (null for DOCX and text)."""
    section: str | None
    """The DOCX heading the passage is under, or ``header``/``footer``."""
    text: str


class DocumentText(BaseModel):
    document_id: str
    extraction_status: str
    chunks: list[ChunkView]


class DocumentSearch(BaseModel):
    """``POST /api/documents/search``: ``query`` in web-search syntax ("quoted phrase", -not, or),
    ``k`` hits (1..20), optional ``categories``, ``mode`` hybrid (default), text or semantic."""

    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=500)
    k: int = Field(default=5, ge=1, le=20)
    categories: list[Category] | None = Field(default=None, min_length=1, max_length=9)
    mode: Literal["hybrid", "text", "semantic"] = "hybrid"


class SearchHitView(BaseModel):
    """One cited passage: its document, page (PDF, 1-based) and section (DOCX), a snippet with the
    query's terms between ``«`` and ``»`` (plain text), the fused ``score`` and its 1-based rank
    in the full-text and semantic lists (null where absent). The text is untrusted content."""

    document_id: str
    title: str
    category: str
    page: int | None
    section: str | None
    chunk_id: str
    snippet: str
    score: float
    text_rank: int | None
    semantic_rank: int | None


class SearchResults(BaseModel):
    mode: str
    hits: list[SearchHitView]
