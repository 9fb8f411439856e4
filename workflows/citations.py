"""Passages from a tenant's documents, cited in what the agent writes (issue 14 Build 6, seed 004
P1.1 "source attribution").

Pure and deterministic: the messages a workflow sends (:class:`CiteRequest`), what retrieval
returns (:class:`Passage`), and how a passage is bounded and rendered:

- :func:`excerpt`: at most ``max_chars`` (280) characters of the passage, whitespace collapsed,
  with links, email addresses and control characters removed, cut at a word boundary;
- :func:`email_citation`: the paragraph an email writer appends ("From our <title> (page N): "...""),
  or ``""`` when there is nothing to cite;
- :func:`prompt_passages`: the planner's view, ``[{"cite": "D1", "title", "page", "text"}]``.

A passage is untrusted text (a document can hold anything): it is only ever quoted, never
followed, and it never carries a link or an address into an email.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from workflows.models import Frozen

MAX_CHARS = 280
_URL = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)\S+")
_ADDRESS = re.compile(r"\S+@\S+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")


class CiteRequest(Frozen):
    """What to look for: a search ``query`` (1-300 chars), optionally only ``categories`` of
    documents (seed 004 P1.1 categories), at most ``k`` passages (1-3)."""

    query: str = Field(min_length=1, max_length=300)
    categories: tuple[str, ...] = ()
    k: int = Field(default=1, ge=1, le=3)


class Passage(Frozen):
    """One cited passage: the document (id, title, category), its page (PDFs, 1-based) or
    section (DOCX), and the passage text as stored (bounded by :func:`excerpt` before use)."""

    document_id: str
    title: str = Field(max_length=300)
    category: str
    page: int | None = None
    section: str | None = None
    text: str = Field(max_length=20_000)


def excerpt(text: str, max_chars: int = MAX_CHARS) -> str:
    """``text`` made safe to quote: no links, addresses or control characters, whitespace
    collapsed, at most ``max_chars`` characters (cut at a word boundary, with an ellipsis)."""
    clean = _CONTROL.sub("", text)
    clean = _URL.sub("", clean)
    clean = _ADDRESS.sub("", clean)
    clean = _SPACE.sub(" ", clean).strip().replace('"', "'")
    if len(clean) <= max_chars:
        return clean
    cut = clean[: max_chars - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > max_chars // 2 else cut).rstrip(" ,;:") + "…"


def _where(p: Passage) -> str:
    if p.page is not None:
        return f" (page {p.page})"
    return f" ({excerpt(p.section, 80)})" if p.section else ""


def email_citation(passages: list[Passage] | tuple[Passage, ...]) -> str:
    """The paragraph appended to an email body: each passage quoted with its source, e.g.
    ``From our "Standard bid template" (page 2): "Prices hold for 30 days."``; ``""`` for none
    (or when every passage is empty once bounded)."""
    lines = []
    for p in passages:
        quoted = excerpt(p.text)
        if quoted:
            lines.append(f'From our "{excerpt(p.title, 120)}"{_where(p)}: "{quoted}"')
    return "\n\n" + "\n".join(lines) if lines else ""


def prompt_passages(passages: list[Passage] | tuple[Passage, ...]) -> list[dict[str, Any]]:
    """The planner's view of passages, each with a citation label ``D1``, ``D2``...; the text is
    bounded by :func:`excerpt` (data for the model, never instructions)."""
    return [
        {
            "cite": f"D{i}",
            "document_id": p.document_id,
            "title": excerpt(p.title, 120),
            "page": p.page,
            "section": p.section and excerpt(p.section, 80),
            "text": excerpt(p.text, 600),
        }
        for i, p in enumerate(passages, start=1)
    ]
