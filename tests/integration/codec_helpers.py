"""Helpers for the codec server and Web UI tests: the operator audit rows an actor left."""

from __future__ import annotations

from sqlmodel import col, select

from core.settings import get_settings
from schema.db import engine_for, platform_transaction
from schema.tables import OperatorAuditEntry


def audit_entries(*, actor: str, codec_only: bool = True) -> list[OperatorAuditEntry]:
    """The ``operator_audit`` rows of ``actor``, oldest first: the codec's (actions ``codec.*``),
    or with ``codec_only=False`` also the per-request rows api/authz/audit.py writes."""
    with platform_transaction(engine_for(get_settings().database.url), "test: codec audit") as s:
        stmt = select(OperatorAuditEntry).where(OperatorAuditEntry.actor == actor)
        if codec_only:
            stmt = stmt.where(col(OperatorAuditEntry.action).startswith("codec."))
        return list(s.scalars(stmt.order_by(col(OperatorAuditEntry.at))))
