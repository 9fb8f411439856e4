"""Passages to cite (issue 14 Build 6): hybrid search over a tenant's documents, as
:class:`workflows.citations.Passage`, optionally only from documents the tenant wrote itself.

``TENANT_AUTHORED`` (``manual_upload``, ``generated``) is what email writers may quote to a
client: an email attachment or a client's order document is someone else's text, so it is never
put into the tenant's outgoing mail (the planner may still read it, as untrusted data).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.documents import Document
from schema.repositories.document_search import search
from workflows.citations import Passage

TENANT_AUTHORED = ("manual_upload", "generated")


def passages(
    s: Session,
    tenant_id: str,
    query: str,
    *,
    k: int = 1,
    categories: Sequence[str] | None = None,
    source_types: Sequence[str] | None = None,
) -> list[Passage]:
    """At most ``k`` (1-20) passages for ``query``, best first, one per document; with
    ``source_types``, only from documents of those source types. Reads only ``tenant_id``'s rows
    (its own session is tenant-scoped; row-level security)."""
    hits = search(s, tenant_id, query, k=min(20, k * 4), categories=categories or None)
    allowed: set[str] | None = None
    if source_types is not None and hits:
        ids = {h.document_id for h in hits}
        allowed = set(
            s.execute(
                select(col(Document.id)).where(
                    col(Document.tenant_id) == tenant_id,
                    col(Document.id).in_(ids),
                    col(Document.source_type).in_(list(source_types)),
                )
            ).scalars()
        )
    out: list[Passage] = []
    seen: set[str] = set()
    for h in hits:
        if (allowed is not None and h.document_id not in allowed) or h.document_id in seen:
            continue
        seen.add(h.document_id)
        out.append(
            Passage(
                document_id=h.document_id,
                title=h.title[:300],
                category=h.category,
                page=h.page,
                section=h.section,
                text=h.text[:20_000],
            )
        )
        if len(out) >= k:
            break
    return out
