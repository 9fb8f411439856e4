"""The policy guard's common facts in ONE statement (issue 17): the action's recorded verdict, the
switches, the address's suppression and the hour's quota use. The guard activity reads the rest
(the research rule's counts, a cited message, a compliance check, a send window) only for the
kinds whose rules need them (schema/repositories/guard.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, literal, select
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import AgentRunAction, RateLimitWindow
from schema.platform import SystemConfig
from schema.repositories import run_record
from schema.repositories.suppression import reason_of
from schema.tables import Tenant


@dataclass(frozen=True)
class Recorded:
    """The action's row in this run (a retry's): its verdict, detail and outcome."""

    verdict: str | None
    detail: dict[str, Any]
    outcome: str | None


@dataclass(frozen=True)
class GuardPrefetch:
    recorded: Recorded | None
    switch: run_record.TenantSwitch
    suppression: str | None
    """The recipient's suppression reason (None: not suppressed, or no recipient)."""
    quota_used: int
    """Uses of the action's rate kind in the hour (0 with no rate kind)."""


def prefetch(
    s: Session, run_id: str, key: str, tenant_id: str, email: str | None, kind: str | None, hour: str
) -> GuardPrefetch | None:
    """The facts above for action ``key`` of run ``run_id``; None when the tenant row is not
    visible (the caller then reads them one by one)."""
    runs = AgentRunAction.__table__.c  # type: ignore[attr-defined]
    suppressed: Any = literal(None)
    if email:
        suppressed = reason_of(tenant_id, email.strip().lower())
    used: Any = literal(0)
    if kind is not None:
        used = (
            select(col(RateLimitWindow.count))
            .where(
                col(RateLimitWindow.tenant_id) == tenant_id,
                col(RateLimitWindow.kind) == kind,
                col(RateLimitWindow.window) == hour,
            )
            .scalar_subquery()
        )
    stmt = (
        select(
            col(Tenant.agent_enabled),
            col(Tenant.agent_settings),
            select(col(SystemConfig.value)).where(col(SystemConfig.key) == "agent").scalar_subquery(),
            runs.id,
            runs.verdict,
            runs.detail,
            runs.outcome,
            suppressed,
            used,
        )
        .select_from(Tenant)
        .outerjoin(AgentRunAction, and_(runs.run_id == run_id, runs.action_key == key))
        .where(col(Tenant.id) == tenant_id)
    )
    row = s.execute(stmt).first()
    if row is None:
        return None
    enabled, overrides, agent, action_id, verdict, detail, outcome, suppression, quota = row
    recorded = Recorded(verdict, detail or {}, outcome) if action_id is not None else None
    switch = run_record.switch_of(enabled, overrides, agent)
    return GuardPrefetch(recorded, switch, suppression, int(quota or 0))
