"""Plan's reads for one tenant (seed 004 P0 "Plan"), each list bounded by ``limit``.

Returns the typed items of :mod:`workflows.cycle.context`; the goals, pipeline and compliance
window are in :mod:`schema.repositories.cycle_facts` (the guard reads them too). Quotes and deals
are not here: their follow-up workflows own them (:mod:`schema.repositories.follow_up_owners`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from schema import metrics
from schema.agent import AgentTask, DeferredAction, EngagementClock
from schema.business import (
    Campaign,
    CampaignContactStatus,
    Client,
    ComplianceCheck,
    Contact,
    InboundMessage,
    Order,
)
from schema.followups import ComplianceSchedule
from schema.order_review import OrderException
from schema.repositories.cycle_facts import in_window
from workflows.cycle.actions import ProposedAction
from workflows.cycle.context import BroadcastItem, ClientRequest, ComplianceItem, TouchCandidate

REQUEST_LOOKBACK = timedelta(days=2)
"""Client replies this recent are read as possible requests for a human action."""


def new_orders(s: Session, tenant_id: str, limit: int) -> tuple[str, ...]:
    q = (
        select(Order.id)
        .where(
            col(Order.tenant_id) == tenant_id,
            col(Order.processing_status) == "new",
            col(Order.archived_at).is_(None),
        )
        .order_by(Order.created_at)
        .limit(limit)
    )
    return tuple(s.execute(q).scalars())


def open_exceptions(s: Session, tenant_id: str) -> int:
    return metrics.count_rows(s, OrderException, tenant_id, col(OrderException.resolved_at).is_(None))


def engagement_counts(s: Session, tenant_id: str) -> tuple[int, int]:
    """(clocks, overdue clocks) of the tenant."""
    total, overdue = s.execute(
        select(func.count(), func.count().filter(col(EngagementClock.compliance_status) == "overdue")).where(
            col(EngagementClock.tenant_id) == tenant_id
        )
    ).one()
    return int(total), int(overdue)


def touch_candidates(s: Session, tenant_id: str, limit: int) -> tuple[TouchCandidate, ...]:
    """Overdue contacts, highest priority first."""
    rows = s.execute(
        select(EngagementClock, Contact)
        .join(Contact, col(Contact.id) == EngagementClock.contact_id)
        .where(
            col(EngagementClock.tenant_id) == tenant_id,
            col(EngagementClock.compliance_status) == "overdue",
            col(Contact.archived_at).is_(None),
        )
        .order_by(col(EngagementClock.priority_score).desc(), EngagementClock.contact_id)
        .limit(limit)
    ).all()
    return tuple(
        TouchCandidate(
            contact_id=c.id,
            account_id=c.client_id,
            email=c.email,
            name=c.name,
            days_overdue=k.days_overdue,
            never_touched=k.last_touch_at is None,
            score=k.priority_score,
        )
        for k, c in rows
    )


def compliance_due(s: Session, tenant_id: str, now: datetime, limit: int) -> tuple[ComplianceItem, ...]:
    """Pending or overdue checks in their window with no workflow of their own (those remind and
    escalate themselves, P1.7)."""
    checks = s.execute(
        select(ComplianceCheck)
        .outerjoin(ComplianceSchedule, col(ComplianceSchedule.id) == ComplianceCheck.schedule_id)
        .where(
            col(ComplianceCheck.tenant_id) == tenant_id,
            col(ComplianceCheck.status).in_(("pending", "overdue")),
            in_window(now),
            col(ComplianceCheck.workflow_id).is_(None),
        )
        .order_by(ComplianceCheck.due_at)
        .limit(limit)
    ).scalars()
    return tuple(
        ComplianceItem(
            id=c.id,
            entity_type=c.entity_type,
            entity_id=c.entity_id,
            due_at=c.due_at,
            missing_fields=tuple(c.missing_fields or ()),
        )
        for c in checks
    )


def unprocessed_messages(s: Session, tenant_id: str) -> int:
    return metrics.count_rows(s, InboundMessage, tenant_id, col(InboundMessage.processed_at).is_(None))


def client_requests(s: Session, tenant_id: str, now: datetime, limit: int) -> tuple[ClientRequest, ...]:
    """Recent replies no task answers yet."""
    answered = select(AgentTask.target_id).where(col(AgentTask.tenant_id) == tenant_id)
    msgs = s.execute(
        select(InboundMessage)
        .where(
            col(InboundMessage.tenant_id) == tenant_id,
            col(InboundMessage.kind) == "reply",
            col(InboundMessage.received_at) >= now - REQUEST_LOOKBACK,
            col(InboundMessage.message_id).not_in(answered),
        )
        .order_by(InboundMessage.received_at)
        .limit(limit)
    ).scalars()
    return tuple(
        ClientRequest(
            message_id=m.message_id,
            contact_id=m.contact_id,
            from_email=m.from_email,
            subject=m.subject[:300],
            excerpt=m.body[:2000],
        )
        for m in msgs
    )


def broadcasts_due(s: Session, tenant_id: str, now: datetime, limit: int) -> tuple[BroadcastItem, ...]:
    """Started or due campaigns (not archived) with pending contacts, except those with a batch
    already deferred (to its send window, seed 004 P1.2): that one runs in its hour, once."""
    deferred = select(DeferredAction.id).where(
        col(DeferredAction.tenant_id) == tenant_id,
        col(DeferredAction.status) == "pending",
        DeferredAction.action["kind"].astext == "send_broadcast_batch",
        DeferredAction.action["target_id"].astext == Campaign.id,
    )
    rows = s.execute(
        select(Campaign.id, Campaign.name, func.count(CampaignContactStatus.id))
        .join(CampaignContactStatus, col(CampaignContactStatus.campaign_id) == Campaign.id)
        .where(
            col(Campaign.tenant_id) == tenant_id,
            col(Campaign.status).in_(("scheduled", "in_progress")),
            col(Campaign.scheduled_at) <= now,
            col(Campaign.archived_at).is_(None),
            col(CampaignContactStatus.status) == "pending",
            ~deferred.exists(),
        )
        .group_by(Campaign.id, Campaign.name)
        .limit(limit)
    ).all()
    return tuple(BroadcastItem(id=i, name=n, pending=p) for i, n, p in rows)


def accounts_without_contacts(s: Session, tenant_id: str, limit: int) -> tuple[str, ...]:
    q = (
        select(Client.id)
        .where(
            col(Client.tenant_id) == tenant_id,
            col(Client.active),
            col(Client.archived_at).is_(None),
            ~select(Contact.id).where(col(Contact.client_id) == Client.id).exists(),
        )
        .limit(limit)
    )
    return tuple(s.execute(q).scalars())


def deferred_actions(s: Session, tenant_id: str, hour: str, limit: int) -> tuple[ProposedAction, ...]:
    """Actions deferred to this hour or earlier, still pending, oldest first."""
    rows = s.execute(
        select(DeferredAction)
        .where(
            col(DeferredAction.tenant_id) == tenant_id,
            col(DeferredAction.status) == "pending",
            col(DeferredAction.not_before_hour) <= hour,
        )
        .order_by(DeferredAction.created_at)
        .limit(limit)
    ).scalars()
    return tuple(ProposedAction.model_validate({**d.action, "origin": "deferred"}) for d in rows)
