"""Text out of a document's bytes, in chunks with page and section (issue 14 Build 3). Pure and
synchronous: :mod:`activities.documents` runs it on the worker's thread pool.

- :func:`extract` -> ``(page_count, [Passage])`` for PDF (pypdf, page by page), DOCX
  (python-docx: paragraphs under their latest heading as section, tables row by row, headers and
  footers as sections "header"/"footer") and UTF-8 text.
- :func:`chunk` splits passages into ~``size``-character chunks at whitespace; a chunk never
  spans two pages or two sections.

Errors: :class:`Unextractable` with ``status`` ``failed`` (encrypted, corrupt, too big, zip bomb)
or ``skipped`` (a PDF without a text layer) and a ``reason`` safe to show.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from core import doc_types
from core.settings import DocumentSettings


@dataclass(frozen=True)
class Passage:
    text: str
    page: int | None = None
    section: str | None = None


class Unextractable(Exception):
    """The document cannot be extracted: ``status`` failed|skipped, ``reason`` for people."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def _pdf(data: bytes, cfg: DocumentSettings, tick: Callable[[int], None]) -> tuple[int, list[Passage]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Unextractable("failed", "encrypted PDF")
        n = len(reader.pages)
    except Unextractable:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as e:
        raise Unextractable("failed", "corrupt PDF") from e
    if n > cfg.max_pages:
        raise Unextractable("failed", f"too many pages ({n} > {cfg.max_pages})")
    out, chars = [], 0
    for i in range(n):
        try:
            text = reader.pages[i].extract_text() or ""
        except Exception as e:  # noqa: BLE001 - pypdf raises many types on malformed pages
            raise Unextractable("failed", f"corrupt PDF (page {i + 1})") from e
        chars += len(text)
        if chars > cfg.max_extracted_chars:
            raise Unextractable("failed", f"too much text (> {cfg.max_extracted_chars} characters)")
        if text.strip():
            out.append(Passage(text, page=i + 1))
        tick(i + 1)
    if not out:
        raise Unextractable("skipped", "no text layer (scanned?)")
    return n, out


def _docx_blocks(doc: object) -> Iterator[tuple[str, str | None]]:
    """(text, heading) per paragraph and table row in body order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    heading: str | None = None
    for block in doc.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Paragraph):
            style = (block.style.name if block.style is not None else "") or ""
            text = block.text.strip()
            if style.lower().startswith(("heading", "title")) and text:
                heading = text[:300]
                continue
            if text:
                yield text, heading
        elif isinstance(block, Table):
            for row in block.rows:
                cells = [c.text.strip() for c in row.cells]
                if any(cells):
                    yield " | ".join(cells), heading


def _docx(data: bytes, cfg: DocumentSettings) -> tuple[int | None, list[Passage]]:
    try:
        doc_types.check_zip(data, max_total=cfg.max_docx_uncompressed_bytes, max_ratio=cfg.max_docx_ratio)
    except doc_types.UnsafeArchive as e:
        raise Unextractable("failed", f"unsafe DOCX: {e}") from e
    import docx

    try:
        doc = docx.Document(io.BytesIO(data))
        out = [Passage(t, section=h) for t, h in _docx_blocks(doc)]
        for label, attr in (("header", "header"), ("footer", "footer")):
            seen: set[str] = set()
            for sec in doc.sections:
                part = getattr(sec, attr)
                text = "\n".join(p.text for p in part.paragraphs if p.text.strip())
                if text and text not in seen:
                    seen.add(text)
                    out.append(Passage(text, section=label))
    except Exception as e:  # noqa: BLE001 - python-docx/lxml raise many types on bad input
        raise Unextractable("failed", "corrupt DOCX") from e
    if sum(len(p.text) for p in out) > cfg.max_extracted_chars:
        raise Unextractable("failed", f"too much text (> {cfg.max_extracted_chars} characters)")
    return None, out


def extract(
    data: bytes, mime: str, cfg: DocumentSettings, tick: Callable[[int], None] = lambda _: None
) -> tuple[int | None, list[Passage]]:
    """``(page_count or None, passages)``; ``tick(page)`` after each PDF page (heartbeats).
    Raises :class:`Unextractable`."""
    if mime == doc_types.PDF:
        return _pdf(data, cfg, tick)
    if mime == doc_types.DOCX:
        return _docx(data, cfg)
    if mime == doc_types.TEXT:
        text = data.decode("utf-8", errors="replace")
        if len(text) > cfg.max_extracted_chars:
            raise Unextractable("failed", f"too much text (> {cfg.max_extracted_chars} characters)")
        return None, ([Passage(text)] if text.strip() else [])
    raise Unextractable("failed", f"unsupported type {mime}")


def _split(text: str, size: int) -> Iterator[str]:
    text = " ".join(text.split())
    while text:
        if len(text) <= size:
            yield text
            return
        cut = text.rfind(" ", size // 2, size + 1)
        cut = size if cut <= 0 else cut
        yield text[:cut].strip()
        text = text[cut:].strip()


def chunk(passages: list[Passage], size: int) -> list[Passage]:
    """Passages merged within a (page, section) and split to ~``size`` characters."""
    out: list[Passage] = []
    buf: list[str] = []
    key: tuple[int | None, str | None] | None = None

    def flush() -> None:
        if buf and key is not None:
            out.extend(Passage(t, key[0], key[1]) for t in _split("\n".join(buf), size))
        buf.clear()

    for p in passages:
        if (p.page, p.section) != key or sum(map(len, buf)) + len(p.text) > size:
            flush()
            key = (p.page, p.section)
        buf.append(p.text)
    flush()
    return out
