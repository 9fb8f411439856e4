"""Repository of the deal workflow (seed 004 P1.4): ``deals``, ``deal_stage_config``,
``deal_stage_history`` and the human task a client's explicit request creates. Session-style;
the caller commits. ``record_update`` is idempotent on the update's key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import AgentTask
from schema.business import Deal
from schema.followups import DealStageConfig, DealStageHistory
from schema.tables import stable_id
from workflows.followups.models import DealUpdate

UPDATE_FIELDS = ("last_activity_at", "follow_up_count", "next_follow_up_at", "priority", "status")


@dataclass(frozen=True)
class DealCounts:
    """Per-tenant figures: open deals by stage, deals by status, open and stalled, open with
    high priority, mean seconds spent in each stage (rounded to 0.1)."""

    open_by_stage: dict[str, int]
    by_status: dict[str, int]
    stalled: int
    high_priority: int
    avg_stage_seconds: dict[str, float]


def stage_days(s: Session, tenant_id: str) -> dict[str, tuple[int, int]]:
    """The tenant's ``deal_stage_config``: stage -> (stalled after days, follow up every days)."""
    rows = s.execute(select(DealStageConfig).where(DealStageConfig.tenant_id == tenant_id)).scalars()  # type: ignore[arg-type]
    return {c.stage: (c.stalled_after_days, c.follow_up_every_days) for c in rows}


def stage_history(s: Session, deal_id: str) -> list[DealStageHistory]:
    """The deal's stage transitions, oldest first."""
    stmt = (
        select(DealStageHistory)
        .where(col(DealStageHistory.deal_id) == deal_id)
        .order_by(col(DealStageHistory.changed_at))
    )
    return list(s.execute(stmt).scalars())


def counts(s: Session, tenant_id: str) -> DealCounts:
    t, open_ = col(Deal.tenant_id) == tenant_id, col(Deal.status) == "open"
    by_stage = s.execute(select(col(Deal.stage), func.count()).where(t, open_).group_by(col(Deal.stage)))
    by_status = s.execute(select(col(Deal.status), func.count()).where(t).group_by(col(Deal.status)))
    stalled = s.execute(select(func.count()).where(t, open_, col(Deal.stalled_at).is_not(None))).scalar_one()
    high = s.execute(select(func.count()).where(t, open_, col(Deal.priority) == "high")).scalar_one()
    per_stage = s.execute(
        select(DealStageHistory.from_stage, func.avg(DealStageHistory.duration_s))  # type: ignore[call-overload]
        .where(DealStageHistory.tenant_id == tenant_id)
        .group_by(DealStageHistory.from_stage)
    )
    return DealCounts(
        open_by_stage={k: int(v) for k, v in by_stage.all()},
        by_status={k: int(v) for k, v in by_status.all()},
        stalled=int(stalled),
        high_priority=int(high),
        avg_stage_seconds={k: round(float(v), 1) for k, v in per_stage.all() if k},
    )


def record_update(s: Session, u: DealUpdate) -> None:
    """The deal's columns; a stage change adds ``deal_stage_history`` with its duration; a
    client's explicit request adds an open human task (``agent_tasks``, reason client_request)."""
    values: dict[str, Any] = {}
    if u.stalled is not None:
        values["stalled_at"] = u.at if u.stalled else None
    for field in UPDATE_FIELDS:
        if getattr(u, field) is not None:
            values[field] = getattr(u, field)
    if u.stage is not None:
        values |= {"stage": u.stage, "stage_entered_at": u.at}
    if values:
        s.execute(
            update(Deal).where(col(Deal.id) == u.deal_id, col(Deal.tenant_id) == u.tenant_id).values(**values)
        )
    if u.stage is not None:
        s.execute(
            insert(DealStageHistory.__table__)  # type: ignore[attr-defined]
            .values(
                id=stable_id(u.key),
                tenant_id=u.tenant_id,
                deal_id=u.deal_id,
                from_stage=u.from_stage,
                to_stage=u.stage,
                duration_s=u.stage_duration_s,
                changed_at=u.at,
                key=u.key,
            )
            .on_conflict_do_nothing()
        )
    if u.task_title:
        s.execute(
            insert(AgentTask.__table__)  # type: ignore[attr-defined]
            .values(
                id=stable_id(u.tenant_id, u.key),
                tenant_id=u.tenant_id,
                action_key=u.key,
                title=u.task_title[:300],
                reason="client_request",
                target_type="deal",
                target_id=u.deal_id,
                status="open",
                created_at=u.at,
            )
            .on_conflict_do_nothing()
        )
