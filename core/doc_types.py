"""What a document's bytes are (issue 14): the MIME type sniffed from the content, never the
client's name or header, and the DOCX zip-bomb guard.

- :func:`sniff` -> ``application/pdf``, the DOCX type, ``text/plain`` or another sniffed type
  (``application/octet-stream`` when unknown). A DOCX is a zip whose ``[Content_Types].xml``
  declares the WordprocessingML main part; any other zip is ``application/zip``.
- :func:`check_zip` raises :class:`UnsafeArchive` when a zip's total uncompressed size or its
  ratio is over the limits (read from the central directory, nothing is inflated).
"""

from __future__ import annotations

import io
import zipfile

import filetype

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain"
ZIP = "application/zip"
UNKNOWN = "application/octet-stream"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", TEXT: ".txt"}
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


class UnsupportedType(ValueError):
    """The sniffed type is not in ``documents.allowed_types`` (the API answers 415)."""

    def __init__(self, mime: str) -> None:
        super().__init__(f"file type {mime} is not accepted")
        self.mime = mime


class UnsafeArchive(ValueError):
    """A zip over the size or ratio limit (a zip bomb), or one that is not a readable zip."""


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("[Content_Types].xml")
            if info.file_size > 1_000_000:
                return False
            return _DOCX_MAIN in z.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, NotImplementedError):
        return False


def _is_text(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff(data: bytes) -> str:
    """The MIME type of ``data`` from its content (see the module docstring)."""
    if data.startswith(b"%PDF-"):
        return PDF
    kind = filetype.guess(data[:8192])
    if kind is not None and kind.mime in (ZIP, DOCX) or data.startswith(b"PK\x03\x04"):
        return DOCX if _is_docx(data) else ZIP
    if kind is not None:
        return str(kind.mime)
    return TEXT if _is_text(data) else UNKNOWN


def check_zip(data: bytes, *, max_total: int, max_ratio: float) -> None:
    """Raise :class:`UnsafeArchive` if the zip would inflate to more than ``max_total`` bytes or
    more than ``max_ratio`` times its size (whole archive or any member)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise UnsafeArchive("not a readable zip") from e
    total = sum(i.file_size for i in infos)
    if total > max_total:
        raise UnsafeArchive(f"zip inflates to {total} bytes (limit {max_total})")
    if total > max_ratio * max(len(data), 1):
        raise UnsafeArchive(f"zip compression ratio over {max_ratio:g}")
    for i in infos:
        if i.file_size > 1_000_000 and i.file_size > max_ratio * max(i.compress_size, 1):
            raise UnsafeArchive(f"zip member compression ratio over {max_ratio:g}")
