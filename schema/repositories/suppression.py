"""The tenant's suppression list (``email_suppressions``, seed 004 P0.7.2): bounces, opt-outs,
complaints and manual entries. Read before any email (the policy guard, broadcasts, and the outbox at
send time); written by React. Addresses are stored trimmed and lower-cased."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import EmailSuppression
from schema.tables import stable_id


def reason(s: Session, tenant_id: str, email: str) -> str | None:
    """The address's suppression reason (bounce, opt_out, complaint, manual), None when it is not
    suppressed. ``email`` is compared trimmed and lower-cased."""
    return s.execute(
        select(col(EmailSuppression.reason)).where(
            col(EmailSuppression.tenant_id) == tenant_id, col(EmailSuppression.email) == email.strip().lower()
        )
    ).scalar()


def suppress(s: Session, tenant_id: str, email: str, reason: str, source: str, now: datetime) -> None:
    """Add the address to the tenant's suppression list (once)."""
    s.execute(
        insert(EmailSuppression.__table__)  # type: ignore[attr-defined]
        .values(
            id=stable_id(tenant_id, email),
            tenant_id=tenant_id,
            email=email,
            reason=reason,
            source=source,
            created_at=now,
        )
        .on_conflict_do_nothing()
    )
