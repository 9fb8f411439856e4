"""Helpers for the codec server and Web UI tests: the operator audit rows an actor left."""

from __future__ import annotations

from sqlmodel import col, select

from core.settings import get_settings
from schema.db import engine_for, transaction
from schema.tables import OperatorAuditEntry


def audit_entries(*, actor: str) -> list[OperatorAuditEntry]:
    """Every ``operator_audit`` row of ``actor``, oldest first (a platform table: no tenant scope)."""
    with transaction(engine_for(get_settings().database.url)) as s:
        stmt = select(OperatorAuditEntry).where(OperatorAuditEntry.actor == actor)
        return list(s.scalars(stmt.order_by(col(OperatorAuditEntry.at))))
