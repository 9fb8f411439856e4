"""The policy guard's data (seed 004 P0.3, P0.6): facts it reads, the atomic hourly quota, blocks
and deferrals. Rules: :mod:`workflows.cycle.policy`; the guard activity calls them in order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema import metrics
from schema.agent import DeferredAction, EngagementClock, PolicyViolation, RateLimitWindow
from schema.business import Contact, InboundMessage
from schema.tables import stable_id
from workflows.cycle.actions import ProposedAction


def overdue_contacts(s: Session, tenant_id: str) -> int:
    """Engagement violations: contacts past their 21-day touch (guardrail 2)."""
    return metrics.count_rows(
        s, EngagementClock, tenant_id, col(EngagementClock.compliance_status) == "overdue"
    )


def client_request_text(s: Session, tenant_id: str, message_id: str) -> str | None:
    """The cited inbound message's subject and body, only if it came from one of the tenant's
    contacts (None otherwise)."""
    m = s.execute(
        select(InboundMessage).where(
            col(InboundMessage.tenant_id) == tenant_id, col(InboundMessage.message_id) == message_id
        )
    ).scalar()
    if m is None:
        return None
    from_client = (
        metrics.count_rows(s, Contact, tenant_id, func.lower(Contact.email) == m.from_email.lower()) > 0
    )
    return f"{m.subject}\n{m.body}" if from_client else None


def quota_used(s: Session, tenant_id: str, kind: str, window: str) -> int:
    used = s.execute(
        select(RateLimitWindow.count).where(
            col(RateLimitWindow.tenant_id) == tenant_id,
            col(RateLimitWindow.kind) == kind,
            col(RateLimitWindow.window) == window,
        )
    ).scalar()
    return int(used or 0)


def reserve(s: Session, tenant_id: str, kind: str, window: str, cap: int) -> bool:
    """Atomically count one use of ``kind`` in the hour ``window`` if under ``cap`` (seed 004
    P0.6): ``INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 WHERE count < cap``. False
    (nothing counted) at the cap or for a cap of 0."""
    table = RateLimitWindow.__table__  # type: ignore[attr-defined]
    stmt = insert(table).values(
        id=stable_id(tenant_id, kind, window), tenant_id=tenant_id, kind=kind, window=window, count=1
    )
    stmt = stmt.on_conflict_do_update(
        constraint="uq_rate_tenant_kind_window", set_={"count": table.c.count + 1}, where=table.c.count < cap
    ).returning(table.c.count)
    return cap > 0 and s.execute(stmt).first() is not None


def record_violation(
    s: Session,
    tenant_id: str,
    run_id: str,
    hour: str,
    a: ProposedAction,
    rule: str,
    reason: str,
    blocked: bool,
) -> None:
    """A block (``blocked``) or deferral in ``agent_policy_violations``, once per action, rule and hour."""
    now = datetime.now(UTC)
    s.execute(
        insert(PolicyViolation.__table__)  # type: ignore[attr-defined]
        .values(
            id=stable_id(tenant_id, a.key, rule, hour),
            tenant_id=tenant_id,
            run_id=run_id,
            action_key=a.key,
            action_type=a.kind.value,
            action_data=a.model_dump(mode="json", exclude={"body"}),
            rule=rule,
            reason=reason,
            blocked=blocked,
            created_at=now,
        )
        .on_conflict_do_update(
            constraint="uq_violation_action_rule",
            set_={"run_id": run_id, "reason": reason, "created_at": now},
        )
    )


def defer(s: Session, tenant_id: str, a: ProposedAction, not_before_hour: str, now: datetime) -> None:
    """Keep the action for ``not_before_hour`` (counting its deferrals) instead of dropping it."""
    table = DeferredAction.__table__  # type: ignore[attr-defined]
    values: dict[str, Any] = {"not_before_hour": not_before_hour, "status": "pending"}
    stmt = insert(table).values(
        id=stable_id(tenant_id, a.key),
        tenant_id=tenant_id,
        action_key=a.key,
        action=a.model_dump(mode="json", exclude={"origin"}),
        not_before_hour=not_before_hour,
        status="pending",
        deferrals=1,
        created_at=now,
    )
    s.execute(
        stmt.on_conflict_do_update(
            constraint="uq_deferred_tenant_action", set_={**values, "deferrals": table.c.deferrals + 1}
        )
    )
