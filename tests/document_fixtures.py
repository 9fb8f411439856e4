"""Document fixtures made by the real tools at test time (issue 14): python-docx, fpdf2, pypdf.
Each function writes nothing; it returns the file's bytes."""

from __future__ import annotations

import io
import zipfile


def docx_bytes() -> bytes:
    """A DOCX with two headed sections, a table, a header and a footer."""
    import docx

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "ACME Confidential header"
    d.sections[0].footer.paragraphs[0].text = "Page footer text"
    d.add_heading("Scope of work", level=1)
    d.add_paragraph("The appraiser inspects the property at 12 Elm Street.")
    d.add_heading("Fees", level=1)
    d.add_paragraph("The fee schedule follows.")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "Service", "Price"
    t.cell(1, 0).text, t.cell(1, 1).text = "Inspection", "450 USD"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def pdf_bytes(pages: int = 3) -> bytes:
    """A text PDF of ``pages`` pages; page i says ``page marker {i}``."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for i in range(1, pages + 1):
        pdf.add_page()
        pdf.multi_cell(0, 6, f"page marker {i}. " + "Invoice terms and conditions apply here. " * 12)
    return bytes(pdf.output())


def image_pdf_bytes() -> bytes:
    """A PDF holding only an image (no text layer)."""
    from fpdf import FPDF
    from PIL import Image

    img = Image.new("RGB", (64, 64), (200, 30, 30))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(buf.getvalue()), x=10, y=10, w=50)
    return bytes(pdf.output())


def encrypted_pdf_bytes() -> bytes:
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_bytes(1))).pages:
        w.add_page(page)
    w.encrypt("secret-password")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def malformed_pdf_bytes() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\ngarbage\n%%EOF"


def zip_bomb_docx_bytes(inflated: int = 200 * 1024 * 1024) -> bytes:
    """A real DOCX plus a member of ``inflated`` zero bytes (compresses ~1000:1)."""
    src = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info, src.read(info))
        with z.open("word/media/bomb.bin", "w", force_zip64=True) as fh:
            block = b"\x00" * (1 << 20)
            for _ in range(inflated >> 20):
                fh.write(block)
    return buf.getvalue()


def plain_zip_bytes() -> bytes:
    """A zip that is not a DOCX (no WordprocessingML content type)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "just a zip")
    return buf.getvalue()
