"""Operation reads of the API's hot routes (issue 17, API reads): one statement each. Tenant-scoped.

Session-style like :mod:`schema.repositories.operations`: functions take a ``Session`` and never
commit. Each saves a round trip on routes that 50 clients call back to back.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, bindparam, true, tuple_
from sqlalchemy.orm import Session
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


class HistoryRow(Protocol):
    """One history row: the :data:`HISTORY_COLUMNS` by name."""

    id: uuid.UUID
    workflow_id: str
    service: str
    operation: str
    status: str
    created_at: datetime
    completed_at: datetime | None


def _history_statements() -> tuple[Select[Any], Select[Any]]:
    t = AutonomousOperation.__table__  # type: ignore[attr-defined]  # Core: rows, not ORM objects
    page = (
        select(*(t.c[c] for c in HISTORY_COLUMNS))
        .where(t.c.tenant_id == bindparam("tenant_id"))
        .order_by(t.c.created_at.desc(), t.c.id.desc())
        .limit(bindparam("limit"))
    )
    m = t.alias("mark")
    mark = (
        select(m.c.created_at, m.c.id)
        .where(m.c.id == bindparam("before"), m.c.tenant_id == bindparam("tenant_id"))
        .scalar_subquery()
    )
    return page, page.where(tuple_(t.c.created_at, t.c.id) < mark)


_HISTORY, _HISTORY_AFTER = _history_statements()
"""Built once, read as Core rows: 50 ORM objects per page cost more CPU than the query."""


def history_query(
    tenant_id: str, limit: int, before: uuid.UUID | None = None
) -> tuple[Select[Any], dict[str, Any]]:
    """The history page's prebuilt statement and its parameters: the tenant's operations, newest
    first (``created_at``, then id), at most ``limit``, only :data:`HISTORY_COLUMNS`; with
    ``before``, those after that operation in this order (keyset paging on index
    ``ix_autonomous_operations_tenant_created``). An unknown ``before`` (or another tenant's)
    gives an empty page: the row comparison with no mark matches nothing. The API runs it with
    ``schema.db_pipeline.tenant_read`` (one round trip)."""
    if before is None:
        return _HISTORY, {"tenant_id": tenant_id, "limit": limit}
    return _HISTORY_AFTER, {"tenant_id": tenant_id, "limit": limit, "before": before}
