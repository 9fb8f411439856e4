"""What a cycle's close reads after the hour's writes, in ONE round trip (issue 17).

One ``SELECT``, built once at import with bind parameters (``tenant``, ``run``, ``now``), whose
columns are: the run's credit failures (credit exceptions of the orders it processed) and email
outcomes (its outbox rows by status), which React reports; the tenant's metrics snapshot
(:func:`schema.metrics.snapshot_counts`), the metrics of the tenant's latest other run that has
them, and this run's actions, which Reflect compares. Both ``react``/``reflect`` and the merged
``react_and_reflect`` read through it. Runs in the caller's unit of work (``tenant_transaction``:
RLS applies to every subquery). ``react_and_reflect`` went from 16 statements to 12
(``bench/cycle_count.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, bindparam, func, literal_column, select
from sqlalchemy.orm import Session
from sqlmodel import col

from schema import metrics
from schema.agent import AgentRun, AgentRunAction, OutboxEmail
from schema.order_review import OrderException, OrderProcessing
from workflows.cycle.reflection import ActionRecord

_TENANT = bindparam("tenant")
_RUN = bindparam("run")
_NOW = bindparam("now", type_=DateTime(timezone=True))


@dataclass(frozen=True)
class CloseReads:
    credit_failures: int
    emails: dict[str, int]
    metrics: dict[str, Any]
    previous_metrics: dict[str, Any]
    actions: tuple[ActionRecord, ...]


_CREDIT = (
    select(func.count())
    .select_from(OrderException)
    .join(OrderProcessing, col(OrderProcessing.order_id) == OrderException.order_id)
    .where(
        col(OrderException.tenant_id) == _TENANT,
        col(OrderException.kind) == "credit",
        col(OrderProcessing.run_id) == _RUN,
    )
    .scalar_subquery()
)
_OUTBOX = (
    select(OutboxEmail.status, func.count().label("n"))
    .where(col(OutboxEmail.run_id) == _RUN)
    .group_by(OutboxEmail.status)
    .subquery()
)
_EMAILS = select(
    func.coalesce(func.json_object_agg(_OUTBOX.c.status, _OUTBOX.c.n), literal_column("'{}'::json"))
).scalar_subquery()
_PREVIOUS = (
    select(AgentRun.metrics)
    .where(col(AgentRun.tenant_id) == _TENANT, col(AgentRun.id) != _RUN, col(AgentRun.metrics).is_not(None))
    .order_by(col(AgentRun.started_at).desc())
    .limit(1)
    .scalar_subquery()
)
_ACTIONS = (
    select(
        func.coalesce(
            func.json_agg(
                func.json_build_array(
                    AgentRunAction.kind,
                    AgentRunAction.target_type,
                    AgentRunAction.target_id,
                    AgentRunAction.verdict,
                    AgentRunAction.outcome,
                    AgentRunAction.detail,
                )
            ),
            literal_column("'[]'::json"),
        )
    )
    .where(col(AgentRunAction.run_id) == _RUN)
    .scalar_subquery()
)
_CLOSE_READS = select(_CREDIT, _EMAILS, _PREVIOUS, _ACTIONS, *metrics.snapshot_counts(_TENANT, _NOW))


def close_reads(s: Session, tenant_id: str, run_id: str, now: datetime) -> CloseReads:
    """The five reads (see the module docstring) of run ``run_id`` of ``tenant_id`` at ``now``."""
    row = s.execute(_CLOSE_READS, {"tenant": tenant_id, "run": run_id, "now": now}).one()
    credit, emails, previous, actions = row[:4]
    return CloseReads(
        credit_failures=int(credit),
        emails={status: int(n) for status, n in emails.items()},
        metrics=metrics.snapshot_of(*row[4:]),
        previous_metrics=dict(previous or {}),
        actions=tuple(ActionRecord(*a) for a in actions),
    )
