"""Sniffing and extraction over fixtures made by the real tools (issue 14 Build 3)."""

from __future__ import annotations

import pytest

from activities.document_text import Unextractable, chunk, extract
from core import doc_types
from core.settings import DocumentSettings
from tests import document_fixtures as fx

CFG = DocumentSettings()


def test_sniff_ignores_names_and_checks_ooxml() -> None:
    assert doc_types.sniff(fx.pdf_bytes(1)) == doc_types.PDF
    assert doc_types.sniff(fx.docx_bytes()) == doc_types.DOCX
    assert doc_types.sniff(b"plain words\n") == doc_types.TEXT
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "not a docx")
    assert doc_types.sniff(buf.getvalue()) == doc_types.ZIP
    assert doc_types.sniff(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32) == "image/png"


def test_pdf_pages_and_chunks_never_span_pages() -> None:
    ticks: list[int] = []
    pages, passages = extract(fx.pdf_bytes(3), doc_types.PDF, CFG, ticks.append)
    assert pages == 3 and ticks == [1, 2, 3]
    chunks = chunk(passages, 200)
    assert {c.page for c in chunks} == {1, 2, 3}
    for c in chunks:
        assert len(c.text) <= 200
        if "page marker" in c.text:
            assert f"page marker {c.page}." in c.text


def test_docx_sections_tables_headers_footers() -> None:
    _, passages = extract(fx.docx_bytes(), doc_types.DOCX, CFG)
    by_text = {p.text: p.section for p in passages}
    assert by_text["The appraiser inspects the property at 12 Elm Street."] == "Scope of work"
    assert by_text["Inspection | 450 USD"] == "Fees"
    assert by_text["ACME Confidential header"] == "header"
    assert by_text["Page footer text"] == "footer"


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        (fx.encrypted_pdf_bytes, "failed", "encrypted PDF"),
        (fx.image_pdf_bytes, "skipped", "no text layer (scanned?)"),
        (fx.malformed_pdf_bytes, "failed", "corrupt PDF"),
    ],
)
def test_pdf_refusals(data, status: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Unextractable) as e:
        extract(data(), doc_types.PDF, CFG)
    assert (e.value.status, e.value.reason) == (status, reason)


def test_page_cap() -> None:
    with pytest.raises(Unextractable, match="too many pages"):
        extract(fx.pdf_bytes(3), doc_types.PDF, DocumentSettings(max_pages=2))


def test_zip_bomb_refused_before_parsing() -> None:
    bomb = fx.zip_bomb_docx_bytes(64 * 1024 * 1024)
    assert len(bomb) < 1_000_000
    assert doc_types.sniff(bomb) == doc_types.DOCX
    with pytest.raises(Unextractable, match="unsafe DOCX") as e:
        extract(bomb, doc_types.DOCX, CFG)
    assert e.value.status == "failed"


def test_corrupt_docx_fails() -> None:
    data = fx.docx_bytes().replace(b"word/document.xml", b"word/documenX.xml")
    with pytest.raises(Unextractable) as e:
        extract(data, doc_types.DOCX, CFG)
    assert e.value.status == "failed"
