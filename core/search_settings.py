"""The document search section of the one settings class (issue 14 item 4, ``Settings.search``;
env ``OMNIOPS_SEARCH__*``). It lives here only to keep core/settings.py small."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SearchSettings(BaseModel):
    """Hybrid document search (schema/repositories/document_search.py)."""

    candidates: int = Field(default=50, ge=1, le=1000)
    """Chunks taken from each ranked list (full text, semantic) before reciprocal rank fusion."""
    rrf_k: int = Field(default=60, ge=1)
    """The reciprocal rank fusion constant: a hit at rank r scores ``1 / (rrf_k + r)`` per list."""
    cache_max_bytes: int = Field(default=512 * 1024 * 1024, ge=0)
    """Bytes of embedding matrices the process keeps across tenants (least recently used evicted;
    100,000 chunks of 256 float32 are ~100 MiB). 0 turns the cache off (every query loads)."""
    cache_max_tenants: int = Field(default=64, ge=1)
    """Tenants' matrices kept at most (least recently used evicted)."""
    snippet_words: int = Field(default=30, ge=5, le=200)
    """``ts_headline`` MaxWords of a hit's snippet (MinWords is a third of it)."""
