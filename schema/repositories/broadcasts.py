"""Broadcast campaigns (seed 004 P1.2): a due campaign's pending contacts and their per-contact
delivery status; a campaign completes when nobody is pending."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.business import Campaign, CampaignContactStatus, Contact


def start_campaign(s: Session, tenant_id: str, campaign_id: str) -> Campaign | None:
    """The tenant's campaign, moved from ``scheduled`` to ``in_progress``; None if not the tenant's."""
    camp = s.get(Campaign, campaign_id)
    if camp is None or camp.tenant_id != tenant_id:
        return None
    s.execute(
        update(Campaign)
        .where(col(Campaign.id) == campaign_id, col(Campaign.status) == "scheduled")
        .values(status="in_progress")
    )
    return camp


def pending(s: Session, campaign_id: str, limit: int) -> list[tuple[CampaignContactStatus, Contact]]:
    """Pending contacts of the campaign in contact-id order, at most ``limit``."""
    rows = s.execute(
        select(CampaignContactStatus, Contact)
        .join(Contact, col(Contact.id) == CampaignContactStatus.contact_id)
        .where(
            col(CampaignContactStatus.campaign_id) == campaign_id,
            col(CampaignContactStatus.status) == "pending",
        )
        .order_by(CampaignContactStatus.contact_id)
        .limit(limit)
    ).all()
    return [(st, c) for st, c in rows]


def skip(s: Session, status_id: str, reason: str, now: datetime) -> None:
    s.execute(
        update(CampaignContactStatus)
        .where(col(CampaignContactStatus.id) == status_id)
        .values(status="skipped", detail=reason, updated_at=now)
    )


def set_status(s: Session, campaign_id: str, contact_id: str, status: str, key: str, now: datetime) -> None:
    s.execute(
        update(CampaignContactStatus)
        .where(
            col(CampaignContactStatus.campaign_id) == campaign_id,
            col(CampaignContactStatus.contact_id) == contact_id,
        )
        .values(status=status, outbox_key=key, updated_at=now)
    )


def complete_if_done(s: Session, campaign_id: str, now: datetime) -> int:
    """Contacts still pending; at 0 the campaign is ``completed``."""
    left = s.execute(
        select(func.count()).where(
            col(CampaignContactStatus.campaign_id) == campaign_id,
            col(CampaignContactStatus.status) == "pending",
        )
    ).one()[0]
    if left == 0:
        s.execute(
            update(Campaign)
            .where(col(Campaign.id) == campaign_id)
            .values(status="completed", completed_at=now)
        )
    return int(left)
