"""Document search latency at scale (issue 14, Measure "search p95 latency at 100,000 chunks"):
``schema.repositories.document_search.search(mode="hybrid")`` against a bare full-text top-k
(``websearch_to_tsquery`` + ``ts_rank_cd``, no join, no embedding) over the same queries on the
same tenant, interleaved in one run. ``bare SQL`` runs as the table owner (no row-level security,
so the GIN index is used: the ratios are against it); ``bare RLS`` is the same SQL as the
application role in a ``tenant_transaction``, where RLS keeps the index out of the plan (why
migration 0014's function exists).

    uv run python -m bench.doc_search [--chunks 100000] [--queries 200] [--pg-port 55432]

Starts (or reuses) the local stack's Postgres only (schema migrated), bulk-loads ``--chunks``
synthetic chunks (tests/search_corpus.py, 20 per document, real wordllama embeddings) for a fresh
tenant with ``COPY``, warms the tenant's embedding matrix (the cold load is printed), then times
each query in a ``tenant_transaction`` as the application role: p50/p95 of hybrid, text-only,
semantic-only and the bare SQL, and the ratios to the bare SQL. Deletes the tenant's rows and
stops Postgres at the end (``devstack down``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from core.embeddings import MODEL, embedder, pack
from core.settings import get_settings
from devstack.config import StackConfig
from devstack.stack import Stack
from schema.db import get_engine, owner_transaction, tenant_transaction
from schema.repositories.document_search import Mode, search
from schema.repositories.embedding_index import tenant_matrix
from schema.repositories.tenants import ensure_tenant
from tests.search_corpus import passages, queries

PER_DOC = 20
BARE = text(
    """SELECT id FROM document_chunks
       WHERE tenant_id = :t AND tsv @@ websearch_to_tsquery('english', :q)
       ORDER BY ts_rank_cd(tsv, websearch_to_tsquery('english', :q)) DESC LIMIT :k"""
)


def load(dsn: str, tenant: str, n: int) -> None:
    """``n`` chunks in ``n / PER_DOC`` completed documents, embedded, by COPY as the owner."""
    now = datetime.now(UTC)
    texts = passages(n, seed=2026)
    started = time.perf_counter()
    vectors = embedder().embed(texts)
    print(f"embedded {n:,} chunks in {time.perf_counter() - started:.1f} s", flush=True)
    doc_ids = [uuid.uuid4().hex for _ in range(0, n, PER_DOC)]
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cols = (
            "id, tenant_id, title, source_type, category, mime_type, size_bytes, sha256, "
            "extraction_status, chunk_count, created_at, extracted_at"
        )
        with cur.copy(f"COPY documents ({cols}) FROM STDIN") as copy:
            for i, d in enumerate(doc_ids):
                cat = ("sop", "invoice", "appraisal_report", "contract", "internal")[i % 5]
                row = (d, tenant, f"Bench {i}", "generated", cat, "text/plain", 1, "0" * 64)
                copy.write_row((*row, "completed", PER_DOC, now, now))
        chunk_cols = "id, tenant_id, document_id, ordinal, page, text, embedding, embedding_model"
        with cur.copy(f"COPY document_chunks ({chunk_cols}) FROM STDIN") as copy:
            for i, (t, v) in enumerate(zip(texts, vectors, strict=True)):
                doc = doc_ids[i // PER_DOC]
                row = (uuid.uuid4().hex, tenant, doc, i % PER_DOC, i % PER_DOC + 1, t, pack(v), MODEL)
                copy.write_row(row)
        conn.commit()
    print(f"loaded {n:,} chunks in {len(doc_ids):,} documents in {time.perf_counter() - started:.1f} s")


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def pct(xs: list[float], p: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[int(p) - 1]


def main(chunks: int, n_queries: int, pg_port: int) -> None:
    stack = Stack(StackConfig(pg_port=pg_port))
    stack.postgres()
    stack.migrate()
    os.environ.update({**stack.env(), **stack.owner_env()})
    get_settings.cache_clear()
    dsn = stack.owner_env()["OMNIOPS_DATABASE__MIGRATION_URL"].replace(
        "postgresql+psycopg://", "postgresql://"
    )
    tenant = f"bench-search-{uuid.uuid4().hex[:8]}"
    engine = get_engine()
    try:
        with owner_transaction() as s:
            ensure_tenant(s, tenant)
        load(dsn, tenant, chunks)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE documents")
            conn.execute("VACUUM ANALYZE document_chunks")
        cold = timed(lambda: _in_tenant(engine, tenant, lambda s: tenant_matrix(s, tenant)))
        with tenant_transaction(engine, tenant) as s:
            mib = tenant_matrix(s, tenant).nbytes / 2**20
        print(f"cold matrix load: {cold:,.0f} ms ({mib:.0f} MiB cached)")
        qs = queries(n_queries)
        runs: dict[str, Callable[[str], object]] = {
            "bare SQL": lambda q: _bare_owner(tenant, q),
            "bare RLS": lambda q: _bare_sql(engine, tenant, q),
            "hybrid": _ours(engine, tenant, "hybrid"),
            "text": _ours(engine, tenant, "text"),
            "semantic": _ours(engine, tenant, "semantic"),
        }
        for q in qs[:10]:  # warm the pool, the plans and the embedder
            for fn in runs.values():
                fn(q)
        times: dict[str, list[float]] = {name: [] for name in runs}
        for q in qs:
            for name, fn in runs.items():
                started = time.perf_counter()
                fn(q)
                times[name].append((time.perf_counter() - started) * 1000)
        base50, base95 = pct(times["bare SQL"], 50), pct(times["bare SQL"], 95)
        print(f"{chunks:,} chunks, {len(qs)} queries, k=5, each timed in its own tenant_transaction")
        for name, xs in times.items():
            p50, p95 = pct(xs, 50), pct(xs, 95)
            ratios = f"ratio p50 {p50 / base50:5.2f}x  p95 {p95 / base95:5.2f}x"
            print(f"{name:9s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {ratios}")
    finally:
        with owner_transaction() as s:
            s.execute(text("DELETE FROM documents WHERE tenant_id = :t"), {"t": tenant})
            s.execute(text("DELETE FROM tenants WHERE id = :t"), {"t": tenant})
        stack.down()


def _in_tenant(engine: Engine, tenant: str, work: Callable[[Session], object]) -> object:
    with tenant_transaction(engine, tenant) as s:
        return work(s)


def _bare_owner(tenant: str, q: str) -> object:
    with owner_transaction() as s:
        return s.execute(BARE, {"t": tenant, "q": q, "k": 5}).all()


def _bare_sql(engine: Engine, tenant: str, q: str) -> object:
    return _in_tenant(engine, tenant, lambda s: s.execute(BARE, {"t": tenant, "q": q, "k": 5}).all())


def _ours(engine: Engine, tenant: str, mode: Mode) -> Callable[[str], object]:
    return lambda q: _in_tenant(engine, tenant, lambda s: search(s, tenant, q, k=5, mode=mode))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--pg-port", type=int, default=StackConfig().pg_port)
    a = ap.parse_args()
    main(a.chunks, a.queries, a.pg_port)
