"""Mailbox provider alerts (seed 004 P0.7.3, issue 13 Build 10) in ``agent_alerts`` (scope: the
tenant), session-style; the caller commits.

- ``mailbox_auth_failures`` (critical): ``inbox.auth_failures_alert`` consecutive syncs refused
  at login (auth_failed, token_expired, revoked);
- ``mailbox_provider_limit`` (warning): the server answered with a quota or rate limit
  (``[OVERQUOTA]``, ``[THROTTLED]``, ``[LIMIT]``, too many connections).

Deduplicated: :func:`raise_once` adds nothing while an unresolved alert of the kind, raised in
the last :data:`REMIND_AFTER` (a day: what the health route lists), is open for the connection
(``data.connection_id``); :func:`resolve` closes them all when a sync succeeds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.platform import AgentAlert
from schema.tables import stable_id
from workflows.cycle.hours import hour_key

AUTH_FAILURES = "mailbox_auth_failures"
PROVIDER_LIMIT = "mailbox_provider_limit"
KINDS = (AUTH_FAILURES, PROVIDER_LIMIT)
RESOLVER = "mailbox_sync"
REMIND_AFTER = timedelta(days=1)


def _open(tenant_id: str, connection_id: str, kinds: tuple[str, ...]) -> list[object]:
    return [
        col(AgentAlert.kind).in_(kinds),
        col(AgentAlert.scope) == tenant_id,
        col(AgentAlert.resolved_at).is_(None),
        AgentAlert.data["connection_id"].astext == connection_id,  # type: ignore[index]
    ]


def raise_once(
    s: Session,
    tenant_id: str,
    connection_id: str,
    kind: str,
    message: str,
    now: datetime,
    **data: float | str,
) -> bool:
    """Open an alert of ``kind`` for the connection unless one is open; True when added."""
    recent = col(AgentAlert.created_at) >= now - REMIND_AFTER
    open_now = select(AgentAlert.id).where(*_open(tenant_id, connection_id, (kind,)), recent).limit(1)  # type: ignore[arg-type]
    if s.execute(open_now).first():
        return False
    window = hour_key(now)
    added = s.execute(
        insert(AgentAlert)
        .values(
            id=stable_id(kind, tenant_id, connection_id, window),
            kind=kind,
            scope=tenant_id,
            window=window,
            severity="critical" if kind == AUTH_FAILURES else "warning",
            message=message[:500],
            data={"connection_id": connection_id, **data},
            created_at=now,
        )
        .on_conflict_do_nothing()
        .returning(col(AgentAlert.id))
    ).first()
    return added is not None


def resolve(s: Session, tenant_id: str, connection_id: str, now: datetime) -> int:
    """Resolve the connection's open mailbox alerts (a sync succeeded); returns how many."""
    res = s.execute(
        update(AgentAlert)
        .where(*_open(tenant_id, connection_id, KINDS))  # type: ignore[arg-type]
        .values(resolved_at=now, resolved_by=RESOLVER)
    )
    return int(res.rowcount or 0)  # type: ignore[attr-defined]
