"""One RFC 5322 message parsed with the standard ``email`` package (``policy=default``) into a
:class:`ParsedMail` (issue 13 Build 2). Message text is untrusted data: nothing here interprets it.

- ``message_id``, ``in_reply_to``: the ``<id@host>`` tokens, None when absent or unusable.
- ``references``: the References header's ids, oldest first.
- ``text``: the first text/plain part that is not an attachment, else the first text/html part
  stripped to text; undecodable charsets fall back to latin-1 (never an error).
- ``attachments``: every part with a filename or ``Content-Disposition: attachment`` (filename,
  declared type, bytes).
- ``headers``: each header's first value (unfolded, decoded), names lower-case; ``auto_submitted``
  is RFC 3834's ``Auto-Submitted`` value.

:func:`parse` raises :class:`MalformedMail` (its message is the reason stored on the row) for a
broken MIME structure: a multipart without a usable boundary, or bytes with no header block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.errors import (
    CloseBoundaryNotFoundDefect,
    MessageDefect,
    MultipartInvariantViolationDefect,
    NoBoundaryInMultipartDefect,
    StartBoundaryNotFoundDefect,
)
from email.message import EmailMessage, Message
from email.policy import default
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

__all__ = ["Attachment", "MalformedMail", "ParsedMail", "parse"]

_ID = re.compile(r"<[^<>\s]{1,296}>")
_FATAL: tuple[type[MessageDefect], ...] = (
    NoBoundaryInMultipartDefect,
    StartBoundaryNotFoundDefect,
    CloseBoundaryNotFoundDefect,
    MultipartInvariantViolationDefect,
)
MAX_HEADER_VALUE = 1000
"""Characters kept of one header value in ``headers``."""


class MalformedMail(ValueError):
    """The bytes are not a usable RFC 5322 / MIME message; ``str()`` is the reason."""


@dataclass(frozen=True)
class Attachment:
    filename: str | None
    content_type: str
    """As declared by the sender (the documents library sniffs the real type)."""
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    message_id: str | None
    from_email: str
    from_name: str
    to: list[str]
    cc: list[str]
    subject: str
    date: datetime | None
    in_reply_to: str | None
    references: list[str]
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    auto_submitted: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class _Text(HTMLParser):
    """HTML to text: drops script/style, breaks lines at block elements."""

    _SKIP = {"script", "style", "head", "title"}
    _BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "blockquote", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag in self._BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(data)


def html_to_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    p.close()
    lines = (" ".join(line.split()) for line in "".join(p.out).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a header the policy cannot parse reads as absent
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _ids(value: str) -> list[str]:
    return _ID.findall(value)


def _addresses(msg: Message, *names: str) -> list[tuple[str, str]]:
    values = [_header(msg, n) for n in names]
    return [(n, a.lower()) for n, a in getaddresses([v for v in values if v]) if "@" in a]


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    raw = payload if isinstance(payload, bytes) else b""
    charset = part.get_content_charset() or "us-ascii"
    try:
        text = raw.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        text = raw.decode("latin-1")
    return text.replace("\r\n", "\n")


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or (
        part.get_filename() is not None and part.get_content_maintype() != "multipart"
    )


def _structure(msg: Message) -> None:
    if not msg.keys():
        raise MalformedMail("no header block")
    for part in msg.walk():
        bad = [d for d in part.defects if isinstance(d, _FATAL)]
        if bad:
            raise MalformedMail(f"broken MIME structure: {type(bad[0]).__name__}")


def _date(msg: Message) -> datetime | None:
    try:
        return parsedate_to_datetime(_header(msg, "Date")) if _header(msg, "Date") else None
    except (TypeError, ValueError, IndexError):
        return None


def parse(raw: bytes) -> ParsedMail:
    """Parse ``raw`` (RFC 5322 bytes). Raises :class:`MalformedMail` with the reason."""
    try:
        msg: EmailMessage = message_from_bytes(raw, policy=default)  # type: ignore[assignment]
        _structure(msg)
        plain: str | None = None
        html: str | None = None
        attachments: list[Attachment] = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            if _is_attachment(part):
                data = part.get_payload(decode=True)
                attachments.append(
                    Attachment(
                        part.get_filename(), part.get_content_type(), data if isinstance(data, bytes) else b""
                    )
                )
            elif part.get_content_type() == "text/plain" and plain is None:
                plain = _decoded(part)
            elif part.get_content_type() == "text/html" and html is None:
                html = _decoded(part)
    except MalformedMail:
        raise
    except Exception as e:  # noqa: BLE001 - any parser failure is a malformed message, never a crash
        raise MalformedMail(f"unparsable message: {type(e).__name__}") from None
    sender = _addresses(msg, "From")
    mids = _ids(_header(msg, "Message-ID"))
    reply_to = _ids(_header(msg, "In-Reply-To"))
    headers: dict[str, str] = {}
    for name in msg.keys():
        headers.setdefault(name.lower(), _header(msg, name)[:MAX_HEADER_VALUE])
    return ParsedMail(
        message_id=mids[0] if mids else None,
        from_email=sender[0][1] if sender else "",
        from_name=sender[0][0] if sender else "",
        to=[a for _, a in _addresses(msg, "To")],
        cc=[a for _, a in _addresses(msg, "Cc")],
        subject=_header(msg, "Subject"),
        date=_date(msg),
        in_reply_to=reply_to[0] if reply_to else None,
        references=_ids(_header(msg, "References")),
        text=(plain if plain is not None else html_to_text(html or "")).strip(),
        attachments=attachments,
        auto_submitted=_header(msg, "Auto-Submitted") or None,
        headers=headers,
    )
