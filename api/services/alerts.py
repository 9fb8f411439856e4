"""Alerts people can acknowledge and resolve (issue 12, Build 4; seed 004 "Alerts to Configure").

``agent_alerts`` is a platform table keyed by ``scope`` (a tenant id or ``global``). A tenant user
sees its own scope and the global alerts, and may acknowledge or resolve only its own (a global
one is 403, another tenant's 404); a platform operator sees and clears any (``tenant_id`` filters).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlmodel import col

from api.auth import Principal
from api.errors import ConflictException, NotFoundException, PermissionDeniedException
from schema.db import platform_transaction, tenant_transaction
from schema.platform import AgentAlert
from schema.repositories.paging import keyset_page


def alert_view(a: AgentAlert) -> dict[str, Any]:
    return a.model_dump(mode="json")


class AlertService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _tx(self, p: Principal) -> Any:
        return (
            platform_transaction(self.engine, "operator alerts")
            if p.platform
            else tenant_transaction(self.engine, p.tenant_id)
        )

    async def list(
        self, p: Principal, tenant_id: str | None, resolved: bool, cursor: str | None, limit: int
    ) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            with self._tx(p) as s:
                q = select(AgentAlert)
                if p.platform:
                    q = q.where(col(AgentAlert.scope) == tenant_id) if tenant_id else q
                else:
                    q = q.where(col(AgentAlert.scope).in_((p.tenant_id, "global")))
                if not resolved:
                    q = q.where(col(AgentAlert.resolved_at).is_(None))
                page = keyset_page(
                    s,
                    q,
                    col(AgentAlert.created_at),
                    col(AgentAlert.id),
                    sort="-created_at",
                    descending=True,
                    cursor=cursor,
                    limit=limit,
                )
                return {"items": [alert_view(a) for a in page.items], "next_cursor": page.next_cursor}

        return await asyncio.to_thread(run)

    def _mine(self, s: Session, p: Principal, alert_id: str) -> AgentAlert:
        a = s.execute(select(AgentAlert).where(col(AgentAlert.id) == alert_id).with_for_update()).scalar()
        if a is None or (not p.platform and a.scope not in (p.tenant_id, "global")):
            raise NotFoundException(f"no alert {alert_id!r}")
        if not p.platform and a.scope == "global":
            raise PermissionDeniedException("a global alert is cleared by platform operators")
        return a

    async def acknowledge(self, p: Principal, alert_id: str) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            with self._tx(p) as s:
                a = self._mine(s, p, alert_id)
                if a.acknowledged_at is None:
                    a.acknowledged_at, a.acknowledged_by = datetime.now(UTC), p.user_id
                    a.state = "acknowledged" if a.state == "open" else a.state
                s.flush()
                return alert_view(a)

        return await asyncio.to_thread(run)

    async def resolve(self, p: Principal, alert_id: str) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            with self._tx(p) as s:
                a = self._mine(s, p, alert_id)
                if a.resolved_at is not None:
                    raise ConflictException("already resolved")
                a.resolved_at, a.resolved_by, a.state = datetime.now(UTC), p.user_id, "resolved"
                s.flush()
                return alert_view(a)

        return await asyncio.to_thread(run)
