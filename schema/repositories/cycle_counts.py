"""Plan's counters for one tenant in one round trip (issue 17 Build 6): the engagement clocks
(all, overdue), open order exceptions, unprocessed inbound messages and the open pipeline
(count, value). Each is the same count the separate queries of :mod:`cycle_context` and
:mod:`cycle_facts` make, as a scalar subquery of one ``SELECT``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import EngagementClock
from schema.business import Deal, InboundMessage
from schema.order_review import OrderException


@dataclass(frozen=True)
class PlanCounts:
    engagement_total: int
    engagement_overdue: int
    open_order_exceptions: int
    inbox_unprocessed: int
    open_deals: int
    pipeline_value: float


def _scalar(measure: Any, model: Any, tenant_id: str, *where: Any) -> Any:
    return select(measure).select_from(model).where(model.tenant_id == tenant_id, *where).scalar_subquery()


def plan_counts(s: Session, tenant_id: str) -> PlanCounts:
    """The six counters (see the module docstring), read under the session's tenant scope."""
    n, t, is_open = func.count(), tenant_id, col(Deal.status) == "open"
    row = s.execute(
        select(
            _scalar(n, EngagementClock, t),
            _scalar(n, EngagementClock, t, col(EngagementClock.compliance_status) == "overdue"),
            _scalar(n, OrderException, t, col(OrderException.resolved_at).is_(None)),
            _scalar(n, InboundMessage, t, col(InboundMessage.processed_at).is_(None)),
            _scalar(n, Deal, t, is_open),
            _scalar(func.coalesce(func.sum(Deal.value), 0), Deal, t, is_open),
        )
    ).one()
    total, overdue, exceptions, unprocessed, n_deals, value = row
    return PlanCounts(int(total), int(overdue), int(exceptions), int(unprocessed), int(n_deals), float(value))
