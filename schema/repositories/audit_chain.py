"""Reading the audit chain and storing its signed digests (issue 16 Build 1), session-style.

Links are written only by the database trigger (migration 0011); nothing here writes one.

- :func:`links` streams a tenant's links in ``seq`` order (``entry::text`` as hashed);
- :func:`unchained` reconciles the audit tables with the chain: rows edited, deleted or added
  behind the trigger's back (each row's ``to_jsonb`` hash against its latest link);
- :func:`heads_to_sign`, :func:`add_digest`, :func:`digests`: the hourly signed digests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col, select

from core.audit_chain import Link
from schema.audit_chain import CHAINED, AuditDigest, AuditLink

BATCH = 5000

_LINKS = text(
    "SELECT seq, source, source_id, op, entry::text, entry_hash, prev_hash, hash, at FROM audit_chain "
    "WHERE tenant_id = :t AND seq > :after ORDER BY seq LIMIT :n"
)


def links(s: Session, tenant_id: str, after_seq: int = 0) -> Iterator[Link]:
    """Every link of ``tenant_id`` after ``after_seq``, ascending, read ``BATCH`` at a time."""
    s.execute(text("SET LOCAL TimeZone = 'UTC'"))
    while True:
        rows = s.execute(_LINKS, {"t": tenant_id, "after": after_seq, "n": BATCH}).all()
        for r in rows:
            yield Link(*r)
        if len(rows) < BATCH:
            return
        after_seq = rows[-1][0]


def head(s: Session, tenant_id: str) -> tuple[int, str] | None:
    """The last link's ``(seq, hash)``, or None for an empty chain."""
    row = s.execute(
        select(AuditLink.seq, AuditLink.hash)
        .where(AuditLink.tenant_id == tenant_id)
        .order_by(col(AuditLink.seq).desc())
        .limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row else None


def hash_at(s: Session, tenant_id: str, seq: int) -> str | None:
    return s.execute(
        select(AuditLink.hash).where(AuditLink.tenant_id == tenant_id, AuditLink.seq == seq)
    ).scalar_one_or_none()


_RECONCILE = """
    WITH latest AS (
        SELECT DISTINCT ON (source_id) source_id, op, entry_hash, seq FROM audit_chain
        WHERE tenant_id = :t AND source = ':table:' ORDER BY source_id, seq DESC
    ), cur AS (
        SELECT r.id::text AS id, encode(sha256(convert_to(to_jsonb(r)::text, 'UTF8')), 'hex') AS h
        FROM :table: r WHERE coalesce(r.tenant_id, '_platform') = :t
    )
    SELECT coalesce(cur.id, latest.source_id), latest.seq,
        CASE WHEN latest.source_id IS NULL THEN 'row not in the chain'
             WHEN cur.id IS NULL THEN 'row deleted outside the chain'
             WHEN latest.op = 'delete' THEN 'deleted row is back'
             ELSE 'row differs from its last link' END
    FROM cur FULL JOIN latest ON latest.source_id = cur.id
    WHERE latest.source_id IS NULL
       OR (cur.id IS NULL AND latest.op <> 'delete' AND NOT EXISTS (
           SELECT 1 FROM audit_tombstones tb
           WHERE tb.tenant_id = :t AND tb.source = ':table:' AND tb.source_id = latest.source_id))
       OR (cur.id IS NOT NULL AND (latest.op = 'delete' OR cur.h <> latest.entry_hash))
    ORDER BY 2 NULLS LAST
"""
"""Per chained table (``:table:``, one of CHAINED): each row's ``to_jsonb`` hash against its
latest link; the rows that do not match, with why. A row erased or expired through
``omniops_audit_tombstone`` (migration 0017) has a tombstone and is not missing."""


def _reconcile_sql(table: str) -> str:
    if table not in CHAINED:  # a table name cannot be a bind parameter: only our own constants
        raise ValueError(f"not a chained table: {table!r}")
    return _RECONCILE.replace(":table:", table)


def unchained(s: Session, tenant_id: str) -> list[tuple[str, str, int | None, str]]:
    """Audit rows that do not match the chain: ``(table, row id, last link seq or None, why)``."""
    s.execute(text("SET LOCAL TimeZone = 'UTC'"))
    out: list[tuple[str, str, int | None, str]] = []
    for table in CHAINED:
        for rid, seq, why in s.execute(text(_reconcile_sql(table)), {"t": tenant_id}).all():
            out.append((table, str(rid), seq, str(why)))
    return out


def heads_to_sign(s: Session, limit: int = 1000) -> list[tuple[str, int, str]]:
    """``(tenant, head seq, head hash)`` of chains that grew since their last digest (platform
    scope: reads every tenant's chain)."""
    rows = s.execute(
        text(
            "SELECT c.tenant_id, c.seq, c.hash FROM audit_chain c "
            "JOIN (SELECT tenant_id, max(seq) AS seq FROM audit_chain GROUP BY tenant_id) h "
            "  ON h.tenant_id = c.tenant_id AND h.seq = c.seq "
            "WHERE c.seq > coalesce("
            "  (SELECT max(d.seq) FROM audit_digests d WHERE d.tenant_id = c.tenant_id), 0) "
            "ORDER BY c.tenant_id LIMIT :n"
        ),
        {"n": limit},
    ).all()
    return [(str(t), int(n), str(h)) for t, n, h in rows]


def add_digest(
    s: Session, tenant_id: str, seq: int, head_hash: str, signed_at: datetime, key_name: str, signature: str
) -> None:
    """Store a digest; an existing one for (tenant, seq) is kept (a retried batch)."""
    s.execute(
        insert(AuditDigest)
        .values(
            tenant_id=tenant_id,
            seq=seq,
            head_hash=head_hash,
            signed_at=signed_at,
            key_name=key_name,
            signature=signature,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "seq"])
    )


def digests(s: Session, tenant_id: str) -> list[AuditDigest]:
    """``tenant_id``'s signed digests, oldest first."""
    return list(
        s.scalars(
            select(AuditDigest).where(AuditDigest.tenant_id == tenant_id).order_by(col(AuditDigest.seq))
        )
    )
