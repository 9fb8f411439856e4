"""Plan's counters and lists for one tenant in ONE round trip (issue 17: ``begin_cycle``'s reads).

One ``SELECT`` whose columns are six counters (the engagement clocks, all and overdue; open order
exceptions; unprocessed inbound messages; the open pipeline, count and value) and, as JSON arrays
(``json_agg`` of ``json_build_array``), the rows of each prebuilt list statement of
:mod:`schema.repositories.cycle_context` (new orders, touch candidates, compliance due, client
requests, broadcasts due, accounts without contacts, deferred actions): the same statements, each
a subquery with its own ``ORDER BY`` and ``LIMIT``, aggregated in that order. It runs in the
caller's unit of work (``tenant_transaction``: RLS applies to every subquery).

``bench/cycle_count.py``: ``begin_cycle`` went from 23 statements to 15 with this (13 with the
claims' skipped re-reads). In the agent worker a statement costs about 0.5-1 ms of CPU whatever
it reads (SQLAlchemy's cache key and execution context, psycopg; py-spy under ``bench/cycles.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import EngagementClock
from schema.business import Deal, InboundMessage
from schema.order_review import OrderException
from schema.repositories import cycle_context as ctx
from workflows.cycle.actions import ProposedAction
from workflows.cycle.context import BroadcastItem, ClientRequest, ComplianceItem, TouchCandidate


@dataclass(frozen=True)
class PlanCounts:
    engagement_total: int
    engagement_overdue: int
    open_order_exceptions: int
    inbox_unprocessed: int
    open_deals: int
    pipeline_value: float


@dataclass(frozen=True)
class PlanReads:
    counts: PlanCounts
    new_orders: tuple[str, ...]
    touch_candidates: tuple[TouchCandidate, ...]
    compliance_due: tuple[ComplianceItem, ...]
    client_requests: tuple[ClientRequest, ...]
    broadcasts_due: tuple[BroadcastItem, ...]
    accounts_without_contacts: tuple[str, ...]
    deferred: tuple[ProposedAction, ...]


def _count(measure: Any, model: Any, *where: Any) -> Any:
    return select(measure).select_from(model).where(model.tenant_id == ctx.TENANT, *where).scalar_subquery()


def _rows(stmt: Select[Any]) -> Any:
    """The statement's rows as one JSON array of arrays (``[]`` when none), in its order."""
    sub = stmt.subquery()
    agg = func.json_agg(func.json_build_array(*sub.c))
    return select(func.coalesce(agg, literal_column("'[]'::json"))).select_from(sub).scalar_subquery()


_IS_OPEN = col(Deal.status) == "open"
_PLAN_READS = select(
    _count(func.count(), EngagementClock),
    _count(func.count(), EngagementClock, col(EngagementClock.compliance_status) == "overdue"),
    _count(func.count(), OrderException, col(OrderException.resolved_at).is_(None)),
    _count(func.count(), InboundMessage, col(InboundMessage.processed_at).is_(None)),
    _count(func.count(), Deal, _IS_OPEN),
    _count(func.coalesce(func.sum(Deal.value), 0), Deal, _IS_OPEN),
    _rows(ctx.NEW_ORDERS),
    _rows(ctx.TOUCH_CANDIDATES),
    _rows(ctx.COMPLIANCE_DUE),
    _rows(ctx.CLIENT_REQUESTS),
    _rows(ctx.BROADCASTS_DUE),
    _rows(ctx.ACCOUNTS_WITHOUT_CONTACTS),
    _rows(ctx.DEFERRED_ACTIONS),
)


def plan_reads(s: Session, tenant_id: str, now: datetime, hour: str, limit: int) -> PlanReads:
    """The counters and the seven lists (see the module docstring), each list at most ``limit``."""
    row = s.execute(
        _PLAN_READS,
        {"tenant": tenant_id, "lim": limit, "now": now, "since": now - ctx.REQUEST_LOOKBACK, "hour": hour},
    ).one()
    total, overdue, exceptions, unprocessed, n_deals, value = row[:6]
    orders, touch, compliance, requests, broadcasts, accounts, deferred = row[6:]
    return PlanReads(
        counts=PlanCounts(
            int(total), int(overdue), int(exceptions), int(unprocessed), int(n_deals), float(value)
        ),
        new_orders=tuple(r[0] for r in orders),
        touch_candidates=ctx.touch_items(touch),
        compliance_due=ctx.compliance_items(compliance),
        client_requests=ctx.request_items(requests),
        broadcasts_due=tuple(BroadcastItem(id=i, name=n, pending=p) for i, n, p in broadcasts),
        accounts_without_contacts=tuple(r[0] for r in accounts),
        deferred=tuple(ProposedAction.model_validate({**r[0], "origin": "deferred"}) for r in deferred),
    )
