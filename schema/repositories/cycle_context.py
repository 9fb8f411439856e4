"""Plan's reads for one tenant (seed 004 P0 "Plan"), each list bounded by ``limit``.

Returns the typed items of :mod:`workflows.cycle.context`; the goals, pipeline and compliance
window are in :mod:`schema.repositories.cycle_facts` (the guard reads them too). Quotes and deals
are not here: their follow-up workflows own them (:mod:`schema.repositories.follow_up_owners`).

The hot path of every hourly cycle (issue 17): each read is a Core statement built once at import
with bind parameters (``tenant``, ``lim``, ``now``, ``hour``), selecting only the columns its item
needs, so a call neither builds a statement nor loads ORM entities.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import DateTime, bindparam, func, select
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

_TENANT = bindparam("tenant")
_LIMIT = bindparam("lim")
_NOW = bindparam("now", type_=DateTime(timezone=True))

_NEW_ORDERS = (
    select(Order.id)
    .where(
        col(Order.tenant_id) == _TENANT,
        col(Order.processing_status) == "new",
        col(Order.archived_at).is_(None),
    )
    .order_by(Order.created_at)
    .limit(_LIMIT)
)

_TOUCH_CANDIDATES = (
    select(
        Contact.id,
        Contact.client_id,
        Contact.email,
        Contact.name,
        EngagementClock.days_overdue,
        EngagementClock.last_touch_at,
        EngagementClock.priority_score,
    )
    .join(Contact, col(Contact.id) == EngagementClock.contact_id)
    .where(
        col(EngagementClock.tenant_id) == _TENANT,
        col(EngagementClock.compliance_status) == "overdue",
        col(Contact.archived_at).is_(None),
    )
    .order_by(col(EngagementClock.priority_score).desc(), EngagementClock.contact_id)
    .limit(_LIMIT)
)

_COMPLIANCE_DUE = (
    select(
        ComplianceCheck.id,
        ComplianceCheck.entity_type,
        ComplianceCheck.entity_id,
        ComplianceCheck.due_at,
        ComplianceCheck.missing_fields,
    )
    .outerjoin(ComplianceSchedule, col(ComplianceSchedule.id) == ComplianceCheck.schedule_id)
    .where(
        col(ComplianceCheck.tenant_id) == _TENANT,
        col(ComplianceCheck.status).in_(("pending", "overdue")),
        in_window(_NOW),  # type: ignore[arg-type]  # the bound datetime ``now``
        col(ComplianceCheck.workflow_id).is_(None),
    )
    .order_by(ComplianceCheck.due_at)
    .limit(_LIMIT)
)

_CLIENT_REQUESTS = (
    select(
        InboundMessage.message_id,
        InboundMessage.contact_id,
        InboundMessage.from_email,
        func.left(InboundMessage.subject, 300),
        func.left(InboundMessage.body, 2000),
    )
    .where(
        col(InboundMessage.tenant_id) == _TENANT,
        col(InboundMessage.kind) == "reply",
        col(InboundMessage.received_at) >= bindparam("since", type_=DateTime(timezone=True)),
        col(InboundMessage.message_id).not_in(
            select(AgentTask.target_id).where(col(AgentTask.tenant_id) == _TENANT)
        ),
    )
    .order_by(InboundMessage.received_at)
    .limit(_LIMIT)
)

_BROADCAST_DEFERRED = select(DeferredAction.id).where(
    col(DeferredAction.tenant_id) == _TENANT,
    col(DeferredAction.status) == "pending",
    DeferredAction.action["kind"].astext == "send_broadcast_batch",
    DeferredAction.action["target_id"].astext == Campaign.id,
)
_BROADCASTS_DUE = (
    select(Campaign.id, Campaign.name, func.count(CampaignContactStatus.id))
    .join(CampaignContactStatus, col(CampaignContactStatus.campaign_id) == Campaign.id)
    .where(
        col(Campaign.tenant_id) == _TENANT,
        col(Campaign.status).in_(("scheduled", "in_progress")),
        col(Campaign.scheduled_at) <= _NOW,
        col(Campaign.archived_at).is_(None),
        col(CampaignContactStatus.status) == "pending",
        ~_BROADCAST_DEFERRED.exists(),
    )
    .group_by(Campaign.id, Campaign.name)
    .limit(_LIMIT)
)

_ACCOUNTS_WITHOUT_CONTACTS = (
    select(Client.id)
    .where(
        col(Client.tenant_id) == _TENANT,
        col(Client.active),
        col(Client.archived_at).is_(None),
        ~select(Contact.id).where(col(Contact.client_id) == Client.id).exists(),
    )
    .limit(_LIMIT)
)

_DEFERRED_ACTIONS = (
    select(DeferredAction.action)
    .where(
        col(DeferredAction.tenant_id) == _TENANT,
        col(DeferredAction.status) == "pending",
        col(DeferredAction.not_before_hour) <= bindparam("hour"),
    )
    .order_by(DeferredAction.created_at)
    .limit(_LIMIT)
)


def new_orders(s: Session, tenant_id: str, limit: int) -> tuple[str, ...]:
    return tuple(s.execute(_NEW_ORDERS, {"tenant": tenant_id, "lim": limit}).scalars())


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
    rows = s.execute(_TOUCH_CANDIDATES, {"tenant": tenant_id, "lim": limit}).all()
    return tuple(
        TouchCandidate(
            contact_id=cid,
            account_id=account,
            email=email,
            name=name,
            days_overdue=days,
            never_touched=last is None,
            score=score,
        )
        for cid, account, email, name, days, last, score in rows
    )


def compliance_due(s: Session, tenant_id: str, now: datetime, limit: int) -> tuple[ComplianceItem, ...]:
    """Pending or overdue checks in their window with no workflow of their own (those remind and
    escalate themselves, P1.7)."""
    rows = s.execute(_COMPLIANCE_DUE, {"tenant": tenant_id, "now": now, "lim": limit}).all()
    return tuple(
        ComplianceItem(id=i, entity_type=kind, entity_id=eid, due_at=due, missing_fields=tuple(missing or ()))
        for i, kind, eid, due, missing in rows
    )


def unprocessed_messages(s: Session, tenant_id: str) -> int:
    return metrics.count_rows(s, InboundMessage, tenant_id, col(InboundMessage.processed_at).is_(None))


def client_requests(s: Session, tenant_id: str, now: datetime, limit: int) -> tuple[ClientRequest, ...]:
    """Recent replies no task answers yet."""
    rows = s.execute(
        _CLIENT_REQUESTS, {"tenant": tenant_id, "since": now - REQUEST_LOOKBACK, "lim": limit}
    ).all()
    return tuple(
        ClientRequest(message_id=mid, contact_id=cid, from_email=sender, subject=subject, excerpt=excerpt)
        for mid, cid, sender, subject, excerpt in rows
    )


def broadcasts_due(s: Session, tenant_id: str, now: datetime, limit: int) -> tuple[BroadcastItem, ...]:
    """Started or due campaigns (not archived) with pending contacts, except those with a batch
    already deferred (to its send window, seed 004 P1.2): that one runs in its hour, once."""
    rows = s.execute(_BROADCASTS_DUE, {"tenant": tenant_id, "now": now, "lim": limit}).all()
    return tuple(BroadcastItem(id=i, name=n, pending=p) for i, n, p in rows)


def accounts_without_contacts(s: Session, tenant_id: str, limit: int) -> tuple[str, ...]:
    return tuple(s.execute(_ACCOUNTS_WITHOUT_CONTACTS, {"tenant": tenant_id, "lim": limit}).scalars())


def deferred_actions(s: Session, tenant_id: str, hour: str, limit: int) -> tuple[ProposedAction, ...]:
    """Actions deferred to this hour or earlier, still pending, oldest first."""
    rows = s.execute(_DEFERRED_ACTIONS, {"tenant": tenant_id, "hour": hour, "lim": limit}).scalars()
    return tuple(ProposedAction.model_validate({**action, "origin": "deferred"}) for action in rows)
