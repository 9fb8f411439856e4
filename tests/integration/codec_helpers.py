"""Helpers for the codec server and Web UI tests: the operator audit rows an actor left."""

from __future__ import annotations

from sqlmodel import col, select

from core.settings import get_settings
from schema.db import engine_for, platform_transaction
from schema.tables import OperatorAuditEntry


def audit_entries(*, actor: str) -> list[OperatorAuditEntry]:
    """The codec's ``operator_audit`` rows of ``actor`` (actions ``codec.*``), oldest first; the
    per-request rows api/authz/audit.py writes for every operator call are left out."""
    with platform_transaction(engine_for(get_settings().database.url), "test: codec audit") as s:
        stmt = select(OperatorAuditEntry).where(
            OperatorAuditEntry.actor == actor, col(OperatorAuditEntry.action).startswith("codec.")
        )
        return list(s.scalars(stmt.order_by(col(OperatorAuditEntry.at))))
