"""Hybrid search over a tenant's document chunks (issue 14 item 4, seed 004 P1.1 "text plus
semantic search", "source attribution").

:func:`search` ``(s, tenant_id, query, k=5, categories=None, mode="hybrid")`` returns up to ``k``
(1..20) :class:`SearchHit`, best first, each citing its document, page, section and a snippet:

- **full text** (``mode`` text or hybrid): ``websearch_to_tsquery('english', query)`` against
  ``document_chunks.tsv`` (GIN index ``ix_document_chunks_tsv``), ranked by ``ts_rank_cd``, through
  the SQL function of migration 0014 (row-level security would keep the index out of the plan);
- **semantic** (semantic or hybrid): the query embedded locally (:func:`core.embeddings.embedder`)
  against the tenant's cached embedding matrix (:mod:`schema.repositories.embedding_index`);
- each list keeps its top ``search.candidates``; they are fused by reciprocal rank fusion
  (:func:`core.rank_fusion.rrf`, ``search.rrf_k`` = 60). ``score`` is the fused score (one list's
  ``1/(60 + rank)`` in a single mode); ``text_rank`` / ``semantic_rank`` are the 1-based ranks.

Only chunks of ``completed`` documents, only the tenant's (``s`` must be a
:func:`schema.db.tenant_transaction` of ``tenant_id``: row-level security plus the SQL's own
filter). The snippet is ``ts_headline`` with query terms between ``«`` and ``»`` (plain text,
never HTML: a document's text is untrusted).

Raises ValueError for ``k`` outside 1..20, a blank query, an unknown mode or a session of
another scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.embeddings import embedder
from core.rank_fusion import rrf
from core.settings import get_settings
from schema.repositories.embedding_index import require_tenant_scope, semantic_ranked

Mode = Literal["hybrid", "text", "semantic"]
MODES: tuple[str, ...] = ("hybrid", "text", "semantic")
MAX_K = 20
Cats = Sequence[str] | None


@dataclass(frozen=True)
class SearchHit:
    document_id: str
    title: str
    category: str
    page: int | None
    section: str | None
    chunk_id: str
    snippet: str
    text: str
    score: float
    text_rank: int | None
    semantic_rank: int | None


_COMPLETED = """FROM document_chunks c
       JOIN documents d ON d.tenant_id = c.tenant_id AND d.id = c.document_id
       WHERE c.tenant_id = :t AND d.extraction_status = 'completed'"""
_CATEGORY = " AND d.category = ANY(:cats)"


def _text_ranked(s: Session, query: str, n: int, categories: Cats) -> list[str]:
    """Through ``document_chunks_text_ranked`` (migration 0014): under RLS the GIN index is only
    usable from the owner's side; the function scopes to the session's tenant itself."""
    sql = text("SELECT chunk_id FROM document_chunks_text_ranked(:q, :n, :cats)")
    cats = list(categories) if categories is not None else None
    return list(s.execute(sql, {"q": query, "n": n, "cats": cats}).scalars())


def _details(s: Session, tenant_id: str, query: str, ids: list[str], categories: Cats) -> dict[str, Any]:
    words = get_settings().search.snippet_words
    options = (
        f"MaxWords={words}, MinWords={max(3, words // 3)}, MaxFragments=2, "
        'FragmentDelimiter=" … ", StartSel=«, StopSel=»'
    )
    sql = f"""SELECT c.id, c.document_id, d.title, d.category, c.page, c.section, c.text,
                     ts_headline('english', c.text, websearch_to_tsquery('english', :q), :opts) AS snippet
              {_COMPLETED} AND c.id = ANY(:ids) {_CATEGORY if categories is not None else ""}"""
    params = {"t": tenant_id, "q": query, "ids": ids, "opts": options, "cats": list(categories or ())}
    return {r.id: r for r in s.execute(text(sql), params)}


def search(
    s: Session,
    tenant_id: str,
    query: str,
    *,
    k: int = 5,
    categories: Sequence[str] | None = None,
    mode: Mode = "hybrid",
) -> list[SearchHit]:
    """The tenant's best ``k`` chunks for ``query`` (see the module docstring)."""
    if not 1 <= k <= MAX_K:
        raise ValueError(f"k must be between 1 and {MAX_K}")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    if not query.strip():
        raise ValueError("query is blank")
    require_tenant_scope(s, tenant_id)
    cfg = get_settings().search
    lexical = _text_ranked(s, query, cfg.candidates, categories) if mode != "semantic" else []
    semantic: list[str] = []
    if mode != "text":
        vector = embedder().embed([query])[0]
        semantic = semantic_ranked(s, tenant_id, vector, cfg.candidates, categories)
    fused = rrf([lexical, semantic], k=cfg.rrf_k)
    rows = _details(s, tenant_id, query, [f.key for f in fused[: k * 2]], categories)
    hits = []
    for f in fused:
        r = rows.get(f.key)
        if r is None:  # deleted or re-filed since the lists were read
            continue
        hits.append(
            SearchHit(
                document_id=r.document_id,
                title=r.title,
                category=r.category,
                page=r.page,
                section=r.section,
                chunk_id=r.id,
                snippet=r.snippet,
                text=r.text,
                score=f.score,
                text_rank=f.ranks[0],
                semantic_rank=f.ranks[1],
            )  # fmt: skip
        )
        if len(hits) == k:
            break
    return hits
