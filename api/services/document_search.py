"""Document search for the API (issue 14 item 4, ``POST /api/documents/search``): the caller's
tenant only, through :func:`schema.repositories.document_search.search` on a worker thread in a
:func:`schema.db.tenant_transaction` (row-level security; the embedding cache is filled through
it). Bad bodies are 422 problem details naming the field (the route's handler in api/errors.py)."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine

from api.auth import Principal
from api.errors import UnprocessableException
from api.schemas.documents import DocumentSearch, SearchHitView, SearchResults
from schema.db import tenant_transaction
from schema.repositories.document_search import SearchHit, search


class DocumentSearchService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _run(self, tenant_id: str, body: DocumentSearch) -> list[SearchHit]:
        with tenant_transaction(self.engine, tenant_id) as s:
            return search(s, tenant_id, body.query, k=body.k, categories=body.categories, mode=body.mode)

    async def search(self, who: Principal, body: DocumentSearch) -> SearchResults:
        """Up to ``k`` cited hits, best first. 422 for a blank query."""
        if not body.query.strip():
            raise UnprocessableException("query is blank", extra=[{"key": "query", "message": "blank"}])
        hits = await asyncio.to_thread(self._run, who.tenant_id, body)
        return SearchResults(
            mode=body.mode,
            hits=[
                SearchHitView(
                    document_id=h.document_id,
                    title=h.title,
                    category=h.category,
                    page=h.page,
                    section=h.section,
                    chunk_id=h.chunk_id,
                    snippet=h.snippet,
                    score=h.score,
                    text_rank=h.text_rank,
                    semantic_rank=h.semantic_rank,
                )  # fmt: skip
                for h in hits
            ],
        )
