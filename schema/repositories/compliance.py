"""Repository of the compliance API (seed 004 P1.7): ``compliance_schedule`` rows and queries
over ``compliance_checks``. Session-style; the caller commits. The workflow's writes are in
:mod:`schema.repositories.compliance_checks`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.business import ComplianceCheck
from schema.followups import ComplianceSchedule


@dataclass(frozen=True)
class CheckCounts:
    """A tenant's checks by status (only statuses that occur) and the open ones past due."""

    by_status: dict[str, int]
    overdue: int


def add_schedule(s: Session, row: ComplianceSchedule) -> ComplianceSchedule:
    s.add(row)
    return row


def update_schedule(s: Session, row: ComplianceSchedule, changes: dict[str, Any]) -> ComplianceSchedule:
    """Apply ``changes`` (column -> value) to a loaded row."""
    for k, v in changes.items():
        setattr(row, k, v)
    s.add(row)
    return row


def delete_schedule(s: Session, schedule_id: str) -> None:
    """Delete the row if it exists (its generated checks stay)."""
    row = s.get(ComplianceSchedule, schedule_id)
    if row is not None:
        s.delete(row)


def schedules(s: Session, tenant_id: str) -> list[ComplianceSchedule]:
    """The tenant's schedules, oldest first."""
    stmt = (
        select(ComplianceSchedule)
        .where(col(ComplianceSchedule.tenant_id) == tenant_id)
        .order_by(col(ComplianceSchedule.created_at), col(ComplianceSchedule.id))
    )
    return list(s.execute(stmt).scalars())


def checks(
    s: Session, tenant_id: str, status: str | None, schedule_id: str | None, limit: int
) -> list[ComplianceCheck]:
    """The tenant's checks, soonest due first, optionally of one status or one schedule."""
    stmt = select(ComplianceCheck).where(col(ComplianceCheck.tenant_id) == tenant_id)
    if status:
        stmt = stmt.where(col(ComplianceCheck.status) == status)
    if schedule_id:
        stmt = stmt.where(col(ComplianceCheck.schedule_id) == schedule_id)
    stmt = stmt.order_by(col(ComplianceCheck.due_at), col(ComplianceCheck.id)).limit(limit)
    return list(s.execute(stmt).scalars())


def check_counts(s: Session, tenant_id: str, now: datetime, open_statuses: Iterable[str]) -> CheckCounts:
    t = col(ComplianceCheck.tenant_id) == tenant_id
    by = s.execute(
        select(ComplianceCheck.status, func.count()).where(t).group_by(ComplianceCheck.status)  # type: ignore[call-overload]
    ).all()
    overdue = s.execute(
        select(func.count()).where(
            t, col(ComplianceCheck.status).in_(tuple(open_statuses)), col(ComplianceCheck.due_at) < now
        )
    ).one()[0]
    return CheckCounts(by_status={k: int(v) for k, v in by}, overdue=int(overdue))
