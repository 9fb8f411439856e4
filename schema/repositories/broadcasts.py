"""Broadcast campaigns (seed 004 P1.2): a due campaign's pending contacts and their per-contact
delivery status; a campaign completes when nobody is pending. Its audience is materialized by
:mod:`schema.repositories.campaign_audience`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.business import Campaign, CampaignContactStatus, Contact
from schema.business import Client as Account


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


def send_window(s: Session, tenant_id: str, campaign_id: str) -> tuple[int, int] | None:
    """The tenant's campaign's (start, end) send window in UTC hours, or None (any hour, or not
    the tenant's campaign)."""
    row = s.execute(
        select(Campaign.send_window_start_hour, Campaign.send_window_end_hour).where(
            col(Campaign.id) == campaign_id, col(Campaign.tenant_id) == tenant_id
        )
    ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return int(row[0]), int(row[1])


def pending(
    s: Session, campaign_id: str, limit: int
) -> list[tuple[CampaignContactStatus, Contact, str | None]]:
    """Pending contacts of the campaign in contact-id order, at most ``limit``, each with its
    account's name (None without an account)."""
    rows = s.execute(
        select(CampaignContactStatus, Contact, Account.name)
        .join(Contact, col(Contact.id) == CampaignContactStatus.contact_id)
        .outerjoin(Account, col(Account.id) == Contact.client_id)
        .where(
            col(CampaignContactStatus.campaign_id) == campaign_id,
            col(CampaignContactStatus.status) == "pending",
        )
        .order_by(CampaignContactStatus.contact_id)
        .limit(limit)
    ).all()
    return [(st, c, a) for st, c, a in rows]


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
