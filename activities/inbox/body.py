"""The readable text of one email (issue 13, Build 2): the best ``text/plain`` body, else the HTML
body reduced to text, decoded by the stdlib ``email`` package (``policy=default``) with its
declared charset. A part whose charset is unknown or mislabelled is decoded as UTF-8 with
replacement characters instead of failing the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from html.parser import HTMLParser

MAX_TEXT_CHARS = 100_000
"""Longer bodies are cut here: classification and parsing never need more."""


class _Text(HTMLParser):
    BLOCK = frozenset({"p", "div", "br", "tr", "li", "blockquote", "h1", "h2", "h3", "table"})
    SKIP = frozenset({"style", "script", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML body, one line per block element (no styles or scripts)."""
    p = _Text()
    p.feed(html)
    p.close()
    text = "".join(p.out).replace("\xa0", " ")
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+\n", "\n", text)).strip()


def part_text(part: Message) -> str:
    """A text part's content as ``str``; undecodable bytes (unknown or wrong charset) become U+FFFD."""
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError, AssertionError, KeyError):  # unknown, mislabelled or absurd charset
        raw = part.get_payload(decode=True)
        content = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return str(content)[:MAX_TEXT_CHARS]


def body_text(msg: EmailMessage) -> str:
    """The message's text: ``text/plain`` preferred, else ``text/html`` as text, else ""."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part_text(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n")


@dataclass(frozen=True)
class Attachment:
    """An attached file: name as sent (untrusted), declared type and decoded size in bytes."""

    filename: str | None
    content_type: str
    size: int


def attachments(msg: EmailMessage) -> list[Attachment]:
    """The message's attachments (``Content-Disposition: attachment`` or non-body parts)."""
    out = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True)
        out.append(
            Attachment(
                filename=part.get_filename(),
                content_type=part.get_content_type(),
                size=len(data) if isinstance(data, bytes) else 0,
            )
        )
    return out
