"""Facts both Plan (``gather_context``) and the policy guard read fresh (seed 004 P0, P0.3):
goal pace, the open pipeline and the compliance notification window."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.business import ComplianceCheck, Deal, Goal, Order
from schema.followups import ComplianceSchedule
from workflows.cycle.context import GoalPace

NOTIFY_DAYS_DEFAULT: int = ComplianceSchedule.model_fields["notify_days_before"].default
"""A check without a schedule uses the schedule table's default window (14 days, seed 004 P1.7)."""


def goal_pace(s: Session, tenant_id: str, now: datetime) -> tuple[GoalPace, ...]:
    """Each goal in its period: actual orders (or revenue) against the pro-rata target by now."""
    out = []
    goals = s.execute(
        select(Goal).where(
            col(Goal.tenant_id) == tenant_id, col(Goal.period_start) <= now, col(Goal.period_end) > now
        )
    ).scalars()
    for g in goals:
        span = (g.period_end - g.period_start).total_seconds()
        elapsed = (now - g.period_start).total_seconds()
        in_period = (
            col(Order.tenant_id) == tenant_id,
            col(Order.created_at) >= g.period_start,
            col(Order.created_at) < g.period_end,
            col(Order.status) != "cancelled",
        )
        measure = func.coalesce(func.sum(Order.total_amount), 0) if g.metric == "revenue" else func.count()
        actual = s.execute(select(measure).select_from(Order).where(*in_period)).one()[0]
        expected = float(g.target) * (elapsed / span if span > 0 else 1.0)
        out.append(GoalPace(metric=g.metric, target=float(g.target), actual=float(actual), expected=expected))  # type: ignore[arg-type]
    return tuple(out)


def open_deals(s: Session, tenant_id: str) -> tuple[int, float]:
    """(count, total value) of the tenant's open deals."""
    n, value = s.execute(
        select(func.count(), func.coalesce(func.sum(Deal.value), 0)).where(
            col(Deal.tenant_id) == tenant_id, col(Deal.status) == "open"
        )
    ).one()
    return int(n), float(value)


def in_window(now: datetime) -> ColumnElement[bool]:
    """A check is in its window from ``notify_days_before`` (its schedule's, else the default)
    days before its due date (seed 004 P1.7)."""
    days = func.coalesce(ComplianceSchedule.notify_days_before, NOTIFY_DAYS_DEFAULT)
    return col(ComplianceCheck.due_at) <= now + days * timedelta(days=1)


def compliance_check_due(s: Session, tenant_id: str, check_id: str, now: datetime) -> bool:
    """The guard's fact: this tenant's check is pending or overdue and in its window."""
    found = s.execute(
        select(ComplianceCheck.id)
        .outerjoin(ComplianceSchedule, col(ComplianceSchedule.id) == ComplianceCheck.schedule_id)
        .where(
            col(ComplianceCheck.id) == check_id,
            col(ComplianceCheck.tenant_id) == tenant_id,
            col(ComplianceCheck.status).in_(("pending", "overdue")),
            in_window(now),
        )
    ).first()
    return found is not None
