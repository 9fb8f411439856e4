"""The documents library (issue 14): ``OMNIOPS_DOCUMENTS__*``; a section of ``core.settings.Settings``."""

from __future__ import annotations

from pydantic import BaseModel


class DocumentSettings(BaseModel):
    """The documents library (issue 14): upload limits and extraction (env ``OMNIOPS_DOCUMENTS__*``)."""

    max_upload_bytes: int = 25 * 1024 * 1024
    """Largest accepted upload, bytes (25 MiB); larger is 413."""
    max_pages: int = 500
    """PDF pages extracted at most; a longer PDF fails ("too many pages")."""
    max_extracted_chars: int = 2_000_000
    """Characters of text kept per document at most; more fails ("too much text")."""
    max_docx_uncompressed_bytes: int = 100 * 1024 * 1024
    """A DOCX zip's total uncompressed size at most, bytes (zip-bomb guard, checked before parsing)."""
    max_docx_ratio: float = 100.0
    """A DOCX zip's uncompressed/compressed ratio at most (zip-bomb guard)."""
    allowed_types: tuple[str, ...] = (
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text/plain",
    )
    """Sniffed MIME types accepted (415 otherwise)."""
    chunk_chars: int = 1200
    """Target chunk size in characters (a chunk never spans pages)."""
    worker_threads: int = 4
    """Threads of the documents worker's activity pool."""
