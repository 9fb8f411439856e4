"""Operation reads of the API's hot routes (issue 17, API reads): one statement each. Tenant-scoped.

Session-style like :mod:`schema.repositories.operations`: functions take a ``Session`` and never
commit. Each saves a round trip on routes that 50 clients call back to back.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, bindparam, true
from sqlalchemy.orm import Session, load_only
from sqlalchemy.orm.strategy_options import _AbstractLoad
from sqlmodel import col, select

from schema.tables import AutonomousOperation, AutonomousOperationAudit

TERMINAL = ("completed", "failed", "cancelled")
HISTORY_COLUMNS = ("id", "workflow_id", "service", "operation", "status", "created_at", "completed_at")
"""What a history entry shows (api/services/operation_status.py ``history_item``): never the
result document, which can be kilobytes per row."""


def _status_statement() -> Select[Any]:
    op, audit = AutonomousOperation, AutonomousOperationAudit
    shot = (
        select(audit.screenshot_key, audit.intent)
        .where(
            audit.tenant_id == op.tenant_id,
            audit.operation_id == op.id,
            col(audit.screenshot_key).is_not(None),
            col(op.status).in_(TERMINAL),
        )
        .order_by(col(audit.timestamp).desc(), col(audit.step_number).desc())
        .limit(1)
        .lateral("shot")
    )
    return (
        select(op, shot.c.screenshot_key, shot.c.intent)
        .outerjoin(shot, true())
        .where(op.id == bindparam("op_id"), op.tenant_id == bindparam("tenant_id"))
    )


_STATUS = _status_statement()
"""Built once: constructing the statement cost more CPU per request than running it."""


def operation_with_screenshot(
    s: Session, tenant_id: str, op_id: uuid.UUID
) -> tuple[AutonomousOperation | None, tuple[str, str] | None]:
    """The operation's row and, once it has ended (``TERMINAL``), its last audited screenshot
    ``(key, intent)``, in one statement (a ``LEFT JOIN LATERAL`` on the audit's newest step with a
    screenshot). ``(None, None)`` when the tenant has no such operation."""
    found = s.execute(_STATUS, {"op_id": op_id, "tenant_id": tenant_id}).first()
    if found is None:
        return None, None
    row, key, intent = found
    return row, ((key, intent) if key is not None else None)


def history_columns() -> _AbstractLoad:
    """The loader option that reads only :data:`HISTORY_COLUMNS` of each history row."""
    return load_only(*(getattr(AutonomousOperation, c) for c in HISTORY_COLUMNS), raiseload=True)
