"""The semantic half of document search (issue 14 item 4): a tenant's chunk embeddings as one
in-process matrix, cached per tenant (:class:`core.matrix_cache.MatrixCache`), and the top chunks
by cosine similarity to a query vector.

Why a cache: at 100,000 chunks a tenant's embeddings are ~100 MiB of ``bytea``; reading them
from Postgres for every query takes seconds, a dot product over the matrix takes milliseconds.

- **Isolation.** The matrix is loaded through the caller's session, which must be a
  :func:`schema.db.tenant_transaction` for that tenant (anything else raises ``ValueError``), so
  row-level security guarantees it holds only that tenant's chunks; the SQL filters on the tenant
  too. The cache key is the tenant id (and the embedding model).
- **Freshness.** Every search first reads the tenant's :func:`generation`, one aggregate over its
  ``completed`` documents: count, latest ``extracted_at``, sum of ``chunk_count`` and an
  order-independent fingerprint (sum of ``hashtext(id:extracted_at)``). A document completing,
  being re-extracted or deleted changes it, so the cached matrix is reloaded; its chunks only
  change through ``replace_chunks``, which always sets ``extracted_at``. Categories are not in the
  matrix (a PATCH does not invalidate it): a category filter is applied per query.
- **Memory.** ``search.cache_max_bytes`` / ``search.cache_max_tenants``, least recently used out.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.embeddings import DIM, MODEL, Vectors
from core.matrix_cache import MatrixCache
from core.settings import get_settings
from schema.db import SCOPE_KEY


@dataclass(frozen=True)
class EmbeddingMatrix:
    """A tenant's chunks: ``chunk_ids[i]`` has unit vector ``vectors[i]`` (float32, ``(n, DIM)``)
    and belongs to document ``doc_ids[doc_index[i]]``."""

    chunk_ids: list[str]
    doc_ids: list[str]
    doc_index: npt.NDArray[np.int32]
    vectors: Vectors

    @property
    def nbytes(self) -> int:
        """The arrays plus ~80 bytes per id string (CPython ``str`` of a 32-char id, and its slot)."""
        ids = 80 * (len(self.chunk_ids) + len(self.doc_ids))
        return int(self.vectors.nbytes + self.doc_index.nbytes + ids)


_GENERATION = text(
    """SELECT count(*), max(extracted_at), coalesce(sum(chunk_count), 0),
              coalesce(sum(hashtext(id || ':' || coalesce(extracted_at::text, ''))::bigint), 0)
       FROM documents WHERE tenant_id = :t AND extraction_status = 'completed'"""
)
_LOAD = text(
    """SELECT c.id, c.document_id, c.embedding
       FROM document_chunks c JOIN documents d ON d.tenant_id = c.tenant_id AND d.id = c.document_id
       WHERE c.tenant_id = :t AND d.extraction_status = 'completed'
         AND c.embedding_model = :model AND octet_length(c.embedding) = :nbytes
       ORDER BY c.document_id, c.ordinal"""
)
_IN_CATEGORIES = text(
    """SELECT id FROM documents
       WHERE tenant_id = :t AND extraction_status = 'completed' AND category = ANY(:cats)"""
)


@lru_cache(maxsize=1)
def matrix_cache() -> MatrixCache[EmbeddingMatrix]:
    """The process's cache (sized by ``search.cache_max_bytes`` and ``search.cache_max_tenants``)."""
    cfg = get_settings().search
    return MatrixCache(cfg.cache_max_bytes, cfg.cache_max_tenants)


def require_tenant_scope(s: Session, tenant_id: str) -> None:
    """Raises ValueError unless ``s`` is a :func:`schema.db.tenant_transaction` of ``tenant_id``."""
    if not tenant_id or s.info.get(SCOPE_KEY) != ("tenant", tenant_id):
        raise ValueError("document search needs a tenant_transaction of the searched tenant")


def generation(s: Session, tenant_id: str) -> Hashable:
    """The tenant's completed-documents fingerprint (see the module docstring)."""
    row = s.execute(_GENERATION, {"t": tenant_id}).one()
    return (MODEL, *tuple(row))


def load_matrix(s: Session, tenant_id: str) -> EmbeddingMatrix:
    """Every embedded chunk (this model) of the tenant's completed documents."""
    rows = s.execute(_LOAD, {"t": tenant_id, "model": MODEL, "nbytes": DIM * 4}).all()
    doc_pos: dict[str, int] = {}
    index = np.fromiter((doc_pos.setdefault(r[1], len(doc_pos)) for r in rows), np.int32, len(rows))
    vectors = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f4").astype(np.float32)
    return EmbeddingMatrix([r[0] for r in rows], list(doc_pos), index, vectors.reshape(len(rows), DIM))


def tenant_matrix(s: Session, tenant_id: str) -> EmbeddingMatrix:
    """The tenant's matrix, from the cache when its generation is current."""
    require_tenant_scope(s, tenant_id)
    return matrix_cache().get((tenant_id, MODEL), generation(s, tenant_id), lambda: load_matrix(s, tenant_id))


def semantic_ranked(
    s: Session, tenant_id: str, query_vector: Vectors, n: int, categories: Sequence[str] | None = None
) -> list[str]:
    """Up to ``n`` chunk ids, most similar first (dot product of unit vectors = cosine), only
    positive similarities; ``categories`` keeps chunks of documents in those categories."""
    m = tenant_matrix(s, tenant_id)
    if not m.chunk_ids or not np.any(query_vector):
        return []
    scores = m.vectors @ np.asarray(query_vector, dtype=np.float32)
    if categories is not None:
        allowed = set(s.execute(_IN_CATEGORIES, {"t": tenant_id, "cats": list(categories)}).scalars())
        keep = np.fromiter((d in allowed for d in m.doc_ids), bool, len(m.doc_ids))
        scores = np.where(keep[m.doc_index], scores, -np.inf)
    n = min(n, len(scores))
    top = np.argpartition(-scores, n - 1)[:n]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [m.chunk_ids[i] for i in top if scores[i] > 0]
