"""A reply's own words (issue 13 Build 7): the newest text with the quoted thread and the signature
split off, by ``mail-parser-reply`` (a maintained port of GitHub's email_reply_parser with
multi-language headers: ``On ... wrote:``, Outlook's ``From: ... Sent:`` block, ``>`` lines,
``Best regards`` / ``Mit freundlichen Grüßen`` closings, ``Sent from my iPhone``).

Two small rules cover what the library leaves: a ``-- `` signature delimiter, and a closing block
with no greeting (the last paragraph, at most :data:`MAX_SIG_LINES` short lines, starting with the
sender's display name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailparser_reply import EmailReplyParser

LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "cs"]
MAX_SIG_LINES = 8
SIG_DASHES = re.compile(r"^--[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class ReplyParts:
    """``text``: the sender's newest words; ``signature``: their signature block ("" if none);
    ``quoted``: whether a quoted thread was removed."""

    text: str
    signature: str
    quoted: bool


def _name_block(text: str, sender_name: str) -> tuple[str, str] | None:
    paragraphs = text.rstrip().rsplit("\n\n", 1)
    if len(paragraphs) != 2:
        return None
    head, last = paragraphs
    lines = [ln.strip() for ln in last.strip().splitlines()]
    first = lines[0].lower().rstrip(",")
    name = sender_name.strip().strip('"').lower()
    if len(lines) > MAX_SIG_LINES or not name or not first or first != name:
        return None
    if any(len(ln) > 120 for ln in lines):
        return None
    return head.rstrip(), "\n".join(lines)


def split_reply(body: str, sender_name: str = "") -> ReplyParts:
    """Split ``body`` (plain text) into the newest reply, its signature and whether quoted text was
    dropped. ``sender_name`` (the From display name) enables the name-block rule."""
    parsed = EmailReplyParser(languages=list(LANGUAGES)).read(body or "")
    if not parsed.replies:
        return ReplyParts(text="", signature="", quoted=False)
    newest = parsed.replies[0]
    text, signature = newest.body, newest.signatures
    quoted = len(parsed.replies) > 1
    if not signature:
        dashes = SIG_DASHES.search(text)
        if dashes:
            text, signature = text[: dashes.start()].rstrip(), text[dashes.end() :].strip()
        elif sender_name and (block := _name_block(text, sender_name)):
            text, signature = block
    signature = SIG_DASHES.sub("", signature, count=1) if SIG_DASHES.match(signature) else signature
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith(">")]
    quoted = quoted or len(lines) != len(text.splitlines())
    return ReplyParts(text="\n".join(lines).strip(), signature=signature.strip(), quoted=quoted)
