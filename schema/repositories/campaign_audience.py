"""A campaign's audience (seed 004 P1.2 "audience segmentation"): the contacts its
:class:`schema.records.AudienceFilter` selects, materialized as pending ``campaign_contact_status``
rows. Session-style; the caller commits.

Who is in: the tenant's contacts that are not archived, have an email, and whose account (if
any) is active and not archived, matching every given criterion of the filter (``account_ids``:
the contact's account is one of them; ``title_contains``: case-insensitive substring of the
title; ``email_domains``: the email's domain is one of them, exactly; ``created_after``: the
contact was created at or after it). Suppressed addresses are not filtered here: the broadcast
runner skips them at send time, when the suppression list is current.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.business import Campaign, CampaignContactStatus, Contact
from schema.business import Client as Account
from schema.records import AudienceFilter
from schema.tables import stable_id


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def criteria(tenant_id: str, f: AudienceFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``f`` over ``contacts`` (outer-joined to ``clients``), tenant-scoped."""
    where: list[ColumnElement[bool]] = [
        col(Contact.tenant_id) == tenant_id,
        col(Contact.archived_at).is_(None),
        col(Contact.email).is_not(None),
        col(Contact.email) != "",
        or_(col(Contact.client_id).is_(None), col(Account.active) & col(Account.archived_at).is_(None)),
    ]
    if f.account_ids is not None:
        where.append(col(Contact.client_id).in_(f.account_ids))
    if f.title_contains:
        where.append(col(Contact.title).ilike(f"%{_escape_like(f.title_contains)}%", escape="\\"))
    if f.email_domains is not None:
        where.append(func.split_part(func.lower(Contact.email), "@", 2).in_(f.email_domains))
    if f.created_after is not None:
        where.append(col(Contact.created_at) >= f.created_after)
    return where


def matching(s: Session, tenant_id: str, f: AudienceFilter) -> list[str]:
    """Ids of the tenant's contacts ``f`` selects, in id order."""
    q = (
        select(Contact.id)
        .outerjoin(Account, col(Account.id) == Contact.client_id)
        .where(*criteria(tenant_id, f))
        .order_by(Contact.id)
    )
    return list(s.execute(q).scalars())


def materialize(s: Session, tenant_id: str, campaign_id: str, audience: dict[str, Any]) -> int:
    """A pending row per matching contact not yet in the campaign (idempotent: rows already there,
    whatever their status, are left alone). Returns how many rows it added.

    Raises:
        pydantic.ValidationError: ``audience`` is not a valid :class:`AudienceFilter`.
    """
    ids = matching(s, tenant_id, AudienceFilter.model_validate(audience))
    if not ids:
        return 0
    table = CampaignContactStatus.__table__  # type: ignore[attr-defined]
    rows = [
        {
            "id": stable_id(campaign_id, c),
            "tenant_id": tenant_id,
            "campaign_id": campaign_id,
            "contact_id": c,
            "status": "pending",
        }
        for c in ids
    ]
    result = s.execute(insert(table).values(rows).on_conflict_do_nothing().returning(table.c.id))
    return len(result.all())


def materialize_due(s: Session, tenant_id: str, now: datetime) -> dict[str, int]:
    """Materialize every due campaign with an audience that has not started (``scheduled``,
    ``scheduled_at <= now``, not archived): {campaign id: rows added}. Until its first batch
    starts it, a campaign is re-materialized each cycle, so contacts that come to match join it;
    once ``in_progress`` its audience is fixed. A campaign whose stored audience is not a valid
    filter is left out (-1 in the result), never sent to everyone."""
    due = s.execute(
        select(Campaign.id, Campaign.audience).where(
            col(Campaign.tenant_id) == tenant_id,
            col(Campaign.status) == "scheduled",
            col(Campaign.scheduled_at) <= now,
            col(Campaign.audience).is_not(None),
            col(Campaign.archived_at).is_(None),
        )
    ).all()
    out: dict[str, int] = {}
    for cid, audience in due:
        if audience is None:  # a JSON null
            continue
        try:
            out[cid] = materialize(s, tenant_id, cid, audience)
        except ValidationError:
            out[cid] = -1
    return out
