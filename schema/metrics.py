"""The seed's metrics and the alert inputs, computed from the tables (seed 004 "Monitoring").

Every function takes an open SQLAlchemy session and an explicit ``now``; ``tenant_id=None``
means all tenants.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import (
    AgentRun,
    AgentRunAction,
    AgentTask,
    EmailProviderFailure,
    EngagementClock,
    OutboxEmail,
    PolicyViolation,
)
from schema.business import ComplianceCheck, Deal, InboundMessage
from schema.order_review import OrderException, OrderProcessing
from schema.platform import AgentAlert
from schema.tables import stable_id
from workflows.cycle.alerts import Alert, AlertInputs
from workflows.cycle.engagement import compliance_rate
from workflows.cycle.hours import hour_key

DAY = timedelta(hours=24)


def _scoped(stmt: Any, column: Any, tenant_id: str | None) -> Any:
    return stmt if tenant_id is None else stmt.where(column == tenant_id)


def count_rows(s: Session, model: Any, tenant_id: str | None, *where: Any) -> int:
    """``SELECT count(*)`` of ``model`` for one tenant (all with None), with extra conditions."""
    stmt = _scoped(select(func.count()).select_from(model).where(*where), model.tenant_id, tenant_id)
    return int(s.execute(stmt).scalar_one())


def _count(model: Any, tenant_id: str | None, *where: Any) -> Any:
    """:func:`count_rows`'s query as a scalar subquery (several counts in one statement)."""
    stmt = _scoped(select(func.count()).select_from(model).where(*where), model.tenant_id, tenant_id)
    return stmt.scalar_subquery()


def snapshot_counts(tenant_id: Any, now: Any) -> tuple[Any, ...]:
    """The five counts Reflect compares hour to hour (``metrics_moved``), as scalar subqueries
    (``tenant_id`` and ``now`` may be bind parameters: ``schema.repositories.close_reads`` builds
    them once, and reads them with the run's other reads)."""
    return (
        _count(EngagementClock, tenant_id),
        _count(EngagementClock, tenant_id, EngagementClock.compliance_status == "overdue"),
        _count(OrderException, tenant_id, col(OrderException.resolved_at).is_(None)),
        _count(Deal, tenant_id, Deal.status == "open"),
        _count(
            ComplianceCheck,
            tenant_id,
            col(ComplianceCheck.status).in_(("pending", "overdue")),
            ComplianceCheck.due_at <= now + timedelta(days=14),
        ),
    )


def snapshot_of(total: int, overdue: int, exceptions: int, deals: int, due: int) -> dict[str, Any]:
    """The snapshot of :func:`snapshot_counts`' five counts, in that order."""
    return {
        "engagement_total": total,
        "engagement_overdue": overdue,
        "engagement_compliance_rate": round(compliance_rate(total - overdue, total), 1),
        "open_order_exceptions": exceptions,
        "open_deals": deals,
        "compliance_due": due,
    }


def seed_metrics(s: Session, tenant_id: str | None, now: datetime) -> dict[str, float]:
    """The seed's metric list over the last 24 h (seed 004 "Metrics to Track")."""
    since = now - DAY
    runs = _scoped(
        select(
            AgentRun.status,
            func.count(),
            func.sum(AgentRun.actions_planned),
            func.sum(AgentRun.actions_executed),
            func.sum(AgentRun.actions_blocked),
        )
        .where(AgentRun.started_at >= since)
        .group_by(AgentRun.status),
        AgentRun.tenant_id,
        tenant_id,
    )
    by_status = {r[0]: r[1:] for r in s.execute(runs).all()}
    total = count_rows(s, EngagementClock, tenant_id)
    overdue = count_rows(s, EngagementClock, tenant_id, EngagementClock.compliance_status == "overdue")
    sandbox = count_rows(
        s, AgentRunAction, tenant_id, AgentRunAction.kind == "sandbox_job", AgentRunAction.created_at >= since
    )
    sandbox_failed = count_rows(
        s,
        AgentRunAction,
        tenant_id,
        AgentRunAction.kind == "sandbox_job",
        AgentRunAction.created_at >= since,
        col(AgentRunAction.outcome).in_(("failed", "unsupported")),
    )
    return {
        "agent.cycles.completed": float(by_status.get("completed", (0,))[0]),
        "agent.cycles.failed": float(by_status.get("failed", (0,))[0]),
        "agent.actions.planned": float(sum(v[1] or 0 for v in by_status.values())),
        "agent.actions.executed": float(sum(v[2] or 0 for v in by_status.values())),
        "agent.actions.blocked": float(sum(v[3] or 0 for v in by_status.values())),
        "agent.engagement.compliance_rate": round(compliance_rate(total - overdue, total), 1),
        "agent.orders.processed": float(
            count_rows(s, OrderProcessing, tenant_id, OrderProcessing.processed_at >= since)
        ),
        "agent.orders.exceptions": float(
            count_rows(
                s,
                OrderProcessing,
                tenant_id,
                OrderProcessing.processed_at >= since,
                OrderProcessing.status == "exception",
            )
        ),
        "gmail.messages.processed": float(
            count_rows(s, InboundMessage, tenant_id, InboundMessage.processed_at >= since)
        ),
        "gmail.cards.created": float(
            count_rows(
                s, AgentTask, tenant_id, AgentTask.created_at >= since, AgentTask.target_type == "message"
            )
        ),
        "agent.sandbox.jobs_count": float(sandbox),
        "agent.sandbox.fail_rate": round(100.0 * sandbox_failed / sandbox, 1) if sandbox else 0.0,
    }


def alert_inputs(s: Session, tenant_id: str | None, now: datetime, violation_spike: int) -> AlertInputs:
    since = now - DAY
    finished = count_rows(
        s,
        AgentRun,
        tenant_id,
        AgentRun.started_at >= since,
        col(AgentRun.status).in_(("completed", "failed", "halted")),
    )
    failed = count_rows(s, AgentRun, tenant_id, AgentRun.started_at >= since, AgentRun.status == "failed")
    oldest = s.execute(
        _scoped(
            select(func.min(AgentRun.started_at)).where(AgentRun.status == "running"),
            AgentRun.tenant_id,
            tenant_id,
        )
    ).scalar()
    total = count_rows(s, EngagementClock, tenant_id)
    overdue = count_rows(s, EngagementClock, tenant_id, EngagementClock.compliance_status == "overdue")
    sent_day = count_rows(
        s,
        OutboxEmail,
        tenant_id,
        OutboxEmail.status == "sent",
        OutboxEmail.sent_at >= since,
        OutboxEmail.sent_at < now - timedelta(hours=1),
    )
    return AlertInputs(
        scope=tenant_id or "global",
        cycles_finished_24h=finished,
        cycles_failed_24h=failed,
        longest_running_s=(now - oldest).total_seconds() if oldest else 0.0,
        policy_blocks_1h=count_rows(
            s,
            PolicyViolation,
            tenant_id,
            col(PolicyViolation.blocked).is_(True),
            PolicyViolation.created_at >= now - timedelta(hours=1),
        ),
        violation_spike=violation_spike,
        contacts=total,
        compliance_rate=compliance_rate(total - overdue, total),
        orders_processed_24h=count_rows(s, OrderProcessing, tenant_id, OrderProcessing.processed_at >= since),
        order_exceptions_24h=count_rows(
            s,
            OrderProcessing,
            tenant_id,
            OrderProcessing.processed_at >= since,
            OrderProcessing.status == "exception",
        ),
        provider_failures_15m=count_rows(
            s, EmailProviderFailure, tenant_id, EmailProviderFailure.created_at >= now - timedelta(minutes=15)
        ),
        emails_sent_1h=count_rows(
            s,
            OutboxEmail,
            tenant_id,
            OutboxEmail.status == "sent",
            OutboxEmail.sent_at >= now - timedelta(hours=1),
        ),
        emails_hourly_avg_24h=sent_day / 23.0,
    )


def raise_alerts(s: Session, alerts: list[Alert], hour: datetime) -> int:
    """Insert the alerts, at most one per kind, scope and hour; returns how many are new."""
    window, new = hour_key(hour), 0
    for a in alerts:
        res = s.execute(
            insert(AgentAlert.__table__)  # type: ignore[attr-defined]
            .values(
                id=stable_id(a.kind, a.scope, window),
                kind=a.kind,
                scope=a.scope,
                window=window,
                severity=a.severity,
                message=a.message,
                data=a.data,
                created_at=hour,
            )
            .on_conflict_do_nothing()
        )
        new += res.rowcount or 0  # type: ignore[attr-defined]
    s.commit()
    return new


def recent_alerts(s: Session, tenant_id: str | None, now: datetime, limit: int = 50) -> list[AgentAlert]:
    stmt = select(AgentAlert).where(AgentAlert.created_at >= now - DAY, col(AgentAlert.resolved_at).is_(None))
    if tenant_id is not None:
        stmt = stmt.where(col(AgentAlert.scope).in_((tenant_id, "global")))
    return list(s.execute(stmt.order_by(col(AgentAlert.created_at).desc()).limit(limit)).scalars())
