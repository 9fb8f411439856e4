"""The readable text of one email (issue 13, Build 2): the best ``text/plain`` body, else the HTML
body reduced to text, decoded by the stdlib ``email`` package (``policy=default``) with its
declared charset. A part whose charset is unknown or mislabelled is decoded as UTF-8 with
replacement characters instead of failing the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage, Message

from activities.inbox.html_text import html_to_text

MAX_TEXT_CHARS = 100_000
"""Longer bodies are cut here: classification and parsing never need more."""


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
