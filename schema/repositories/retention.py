"""What has outlived its retention, and removing it (issue 16 Build 4), session-style (a tenant
transaction). :func:`expired` and :func:`expire` read the same queries, so a dry run reports
exactly what a run then removes (given the same ``cutoffs``). Classes: core/retention.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from schema.repositories.audit_lifecycle import tombstone

AUDIT_AGE = {
    "autonomous_operations_audit": "timestamp",
    "operation_confirmations": "decided_at",
    "operator_audit": "at",
    "autonomous_consent": "coalesce(revoked_at, expires_at)",  # ended consents only
    "agent_policy_violations": "created_at",
}
"""Chained audit tables expired by ``audit_rows``, and the time each row's age counts from
(credential metadata is live configuration, never expired)."""


def _ids(s: Session, sql: str, tenant_id: str, before: datetime) -> list[str]:
    return [str(r) for r in s.execute(text(sql), {"t": tenant_id, "before": before}).scalars()]


def expired(s: Session, tenant_id: str, cutoffs: dict[str, datetime]) -> dict[str, list[str]]:
    """Per class, what is past its cutoff (sorted ids): ``audit_rows`` as ``table:id``,
    ``screenshots``/``checkpoints`` as operation ids (their blobs are the caller's), the rest as
    row ids."""
    found: dict[str, list[str]] = {}
    audit: list[str] = []
    for table, age in AUDIT_AGE.items():
        sql = f"SELECT id::text FROM {table} WHERE tenant_id = :t AND {age} < :before ORDER BY 1"  # noqa: S608
        audit += [f"{table}:{i}" for i in _ids(s, sql, tenant_id, cutoffs["audit_rows"])]
    found["audit_rows"] = audit
    ops = (
        "SELECT id::text FROM autonomous_operations WHERE tenant_id = :t AND created_at < :before ORDER BY 1"
    )
    found["screenshots"] = _ids(s, ops, tenant_id, cutoffs["screenshots"])
    found["checkpoints"] = _ids(s, ops, tenant_id, cutoffs["checkpoints"])
    found["outbox_bodies"] = _ids(
        s,
        "SELECT id FROM email_outbox WHERE tenant_id = :t AND created_at < :before AND body <> '' "
        "AND status NOT IN ('queued', 'sending') ORDER BY 1",
        tenant_id,
        cutoffs["outbox_bodies"],
    )
    found["raw_inbound_mail"] = _ids(
        s,
        "SELECT raw_blob_key FROM inbound_messages WHERE tenant_id = :t AND received_at < :before "
        "AND raw_blob_key IS NOT NULL GROUP BY raw_blob_key ORDER BY 1",
        tenant_id,
        cutoffs["raw_inbound_mail"],
    )
    found["run_records"] = _ids(
        s,
        "SELECT id FROM agent_autonomous_runs WHERE tenant_id = :t AND started_at < :before "
        "AND status <> 'running' ORDER BY 1",
        tenant_id,
        cutoffs["run_records"],
    )
    return found


def expire(s: Session, tenant_id: str, found: dict[str, list[str]]) -> None:
    """Remove the rows :func:`expired` found (blobs are the caller's): audit rows tombstoned,
    outbox bodies emptied, raw mail keys cleared, run records and their actions deleted."""
    by_table: dict[str, list[str]] = {}
    for item in found.get("audit_rows", []):
        table, _, rid = item.partition(":")
        by_table.setdefault(table, []).append(rid)
    for table, rows in by_table.items():
        tombstone(s, table, rows, "retention")
    p = {"t": tenant_id}
    if ids := found.get("outbox_bodies"):
        s.execute(
            text("UPDATE email_outbox SET body = '' WHERE tenant_id = :t AND id = ANY(:ids)"),
            {**p, "ids": ids},
        )
    if keys := found.get("raw_inbound_mail"):
        s.execute(
            text(
                "UPDATE inbound_messages SET raw_blob_key = NULL "
                "WHERE tenant_id = :t AND raw_blob_key = ANY(:k)"
            ),
            {**p, "k": keys},
        )
    if runs := found.get("run_records"):
        for table in ("agent_run_actions", "agent_hourly_reflections"):
            s.execute(
                text(f"DELETE FROM {table} WHERE tenant_id = :t AND run_id = ANY(:r)"),  # noqa: S608
                {**p, "r": runs},
            )
        s.execute(
            text("DELETE FROM agent_autonomous_runs WHERE tenant_id = :t AND id = ANY(:r)"), {**p, "r": runs}
        )
