"""Plan's reads for one tenant (seed 004 P0 "Plan"), each list bounded by ``limit``.

Returns the typed items of :mod:`workflows.cycle.context`; the goals, pipeline and compliance
window are in :mod:`schema.repositories.cycle_facts` (the guard reads them too). Quotes and deals
are not here: their follow-up workflows own them (:mod:`schema.repositories.follow_up_owners`).

The hot path of every hourly cycle (issue 17): each read is a Core statement built once at import
with bind parameters (``tenant``, ``lim``, ``now``, ``since``, ``hour``), selecting only the
columns its item needs. :mod:`schema.repositories.cycle_reads` runs them all in one round trip;
the ``*_items`` functions here turn their rows into items.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import DateTime, bindparam, func, select
from sqlmodel import col

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
from schema.repositories.cycle_facts import in_window
from workflows.cycle.context import ClientRequest, ComplianceItem, TouchCandidate

REQUEST_LOOKBACK = timedelta(days=2)
"""Client replies this recent are read as possible requests for a human action."""

TENANT = bindparam("tenant")
_LIMIT = bindparam("lim")
_NOW = bindparam("now", type_=DateTime(timezone=True))

NEW_ORDERS = (
    select(Order.id)
    .where(
        col(Order.tenant_id) == TENANT,
        col(Order.processing_status) == "new",
        col(Order.archived_at).is_(None),
    )
    .order_by(Order.created_at)
    .limit(_LIMIT)
)

TOUCH_CANDIDATES = (
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
        col(EngagementClock.tenant_id) == TENANT,
        col(EngagementClock.compliance_status) == "overdue",
        col(Contact.archived_at).is_(None),
    )
    .order_by(col(EngagementClock.priority_score).desc(), EngagementClock.contact_id)
    .limit(_LIMIT)
)

COMPLIANCE_DUE = (
    select(
        ComplianceCheck.id,
        ComplianceCheck.entity_type,
        ComplianceCheck.entity_id,
        ComplianceCheck.due_at,
        ComplianceCheck.missing_fields,
    )
    .outerjoin(ComplianceSchedule, col(ComplianceSchedule.id) == ComplianceCheck.schedule_id)
    .where(
        col(ComplianceCheck.tenant_id) == TENANT,
        col(ComplianceCheck.status).in_(("pending", "overdue")),
        in_window(_NOW),  # type: ignore[arg-type]  # the bound datetime ``now``
        col(ComplianceCheck.workflow_id).is_(None),
    )
    .order_by(ComplianceCheck.due_at)
    .limit(_LIMIT)
)

CLIENT_REQUESTS = (
    select(
        InboundMessage.message_id,
        InboundMessage.contact_id,
        InboundMessage.from_email,
        func.left(InboundMessage.subject, 300),
        func.left(InboundMessage.body, 2000),
    )
    .where(
        col(InboundMessage.tenant_id) == TENANT,
        col(InboundMessage.kind) == "reply",
        col(InboundMessage.received_at) >= bindparam("since", type_=DateTime(timezone=True)),
        col(InboundMessage.message_id).not_in(
            select(AgentTask.target_id).where(col(AgentTask.tenant_id) == TENANT)
        ),
    )
    .order_by(InboundMessage.received_at)
    .limit(_LIMIT)
)

BROADCAST_DEFERRED = select(DeferredAction.id).where(
    col(DeferredAction.tenant_id) == TENANT,
    col(DeferredAction.status) == "pending",
    DeferredAction.action["kind"].astext == "send_broadcast_batch",
    DeferredAction.action["target_id"].astext == Campaign.id,
)
BROADCASTS_DUE = (
    select(Campaign.id, Campaign.name, func.count(CampaignContactStatus.id))
    .join(CampaignContactStatus, col(CampaignContactStatus.campaign_id) == Campaign.id)
    .where(
        col(Campaign.tenant_id) == TENANT,
        col(Campaign.status).in_(("scheduled", "in_progress")),
        col(Campaign.scheduled_at) <= _NOW,
        col(Campaign.archived_at).is_(None),
        col(CampaignContactStatus.status) == "pending",
        ~BROADCAST_DEFERRED.exists(),
    )
    .group_by(Campaign.id, Campaign.name)
    .limit(_LIMIT)
)

ACCOUNTS_WITHOUT_CONTACTS = (
    select(Client.id)
    .where(
        col(Client.tenant_id) == TENANT,
        col(Client.active),
        col(Client.archived_at).is_(None),
        ~select(Contact.id).where(col(Contact.client_id) == Client.id).exists(),
    )
    .limit(_LIMIT)
)

DEFERRED_ACTIONS = (
    select(DeferredAction.action)
    .where(
        col(DeferredAction.tenant_id) == TENANT,
        col(DeferredAction.status) == "pending",
        col(DeferredAction.not_before_hour) <= bindparam("hour"),
    )
    .order_by(DeferredAction.created_at)
    .limit(_LIMIT)
)


def touch_items(rows: Iterable[Sequence[Any]]) -> tuple[TouchCandidate, ...]:
    """:data:`TOUCH_CANDIDATES`' rows as items: overdue contacts, highest priority first."""
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


def compliance_items(rows: Iterable[Sequence[Any]]) -> tuple[ComplianceItem, ...]:
    """:data:`COMPLIANCE_DUE`'s rows as items: pending or overdue checks in their window with no
    workflow of their own (those remind and escalate themselves, P1.7)."""
    return tuple(
        ComplianceItem(id=i, entity_type=kind, entity_id=eid, due_at=due, missing_fields=tuple(missing or ()))
        for i, kind, eid, due, missing in rows
    )


def request_items(rows: Iterable[Sequence[Any]]) -> tuple[ClientRequest, ...]:
    """:data:`CLIENT_REQUESTS`' rows as items: recent replies no task answers yet."""
    return tuple(
        ClientRequest(message_id=mid, contact_id=cid, from_email=sender, subject=subject, excerpt=excerpt)
        for mid, cid, sender, subject, excerpt in rows
    )
