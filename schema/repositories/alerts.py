"""Alert lifecycle after the row is written (issue 17 Build 5): resolve an alert whose condition
has cleared, find a tenant's alerts not yet delivered with their recipients, mark them delivered.

``agent_alerts`` is a platform table (no RLS); the callers pass the scope explicitly. Sessions
are the caller's (it commits).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from core.addresses import parse_address
from schema.platform import AgentAlert
from schema.tables import Tenant
from workflows.alerts import AlertNotice

SYSTEM = "system: condition cleared"
"""``resolved_by`` of an alert resolved by the evaluation itself."""
MAX_RECIPIENTS = 20


def resolve_cleared(s: Session, scope: str, firing: Iterable[str], now: datetime) -> int:
    """Resolve every unresolved alert of ``scope`` whose kind is not in ``firing`` (state
    ``resolved``, ``resolved_at=now``, ``resolved_by`` :data:`SYSTEM`). Returns how many."""
    kinds = list(firing)
    stmt = update(AgentAlert).where(col(AgentAlert.scope) == scope, col(AgentAlert.resolved_at).is_(None))
    if kinds:
        stmt = stmt.where(col(AgentAlert.kind).not_in(kinds))
    res = s.execute(stmt.values(state="resolved", resolved_at=now, resolved_by=SYSTEM))
    return int(res.rowcount or 0)  # type: ignore[attr-defined]


def operator_emails(s: Session, tenant_id: str) -> tuple[str, ...]:
    """The tenant's operators: ``tenants.agent_settings.alert_emails`` (valid addresses only,
    lower-cased, at most :data:`MAX_RECIPIENTS`)."""
    settings = s.execute(select(col(Tenant.agent_settings)).where(col(Tenant.id) == tenant_id)).scalar()
    raw = (settings or {}).get("alert_emails") or []
    out: list[str] = []
    for a in raw if isinstance(raw, list) else []:
        parsed = parse_address(str(a))  # the one address judge (core/addresses.py)
        if parsed and parsed[0] not in out:
            out.append(parsed[0])
    return tuple(out[:MAX_RECIPIENTS])


def undelivered(s: Session, tenant_id: str, now: datetime, limit: int = 20) -> list[AlertNotice]:
    """The tenant's alerts of the last 24 h not yet handed to delivery, oldest first (resolved
    ones too: they still happened), each with the tenant's operators as recipients."""
    rows = s.execute(
        select(AgentAlert)
        .where(
            col(AgentAlert.scope) == tenant_id,
            col(AgentAlert.notified_at).is_(None),
            col(AgentAlert.created_at) >= now - timedelta(hours=24),
        )
        .order_by(col(AgentAlert.created_at), col(AgentAlert.id))
        .limit(limit)
    ).scalars()
    alerts = list(rows)
    if not alerts:
        return []
    to = operator_emails(s, tenant_id)
    return [
        AlertNotice(
            id=a.id,
            kind=a.kind,
            scope=a.scope,
            severity=a.severity,
            message=a.message,
            window=a.window,
            recipients=to,
        )
        for a in alerts
    ]


def mark_notified(s: Session, ids: Iterable[str], now: datetime) -> int:
    """Set ``notified_at`` on these alerts (once). Returns how many changed."""
    res = s.execute(
        update(AgentAlert)
        .where(col(AgentAlert.id).in_(list(ids)), col(AgentAlert.notified_at).is_(None))
        .values(notified_at=now)
    )
    return int(res.rowcount or 0)  # type: ignore[attr-defined]
