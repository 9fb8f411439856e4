"""The tenant's suppression list (``email_suppressions``, seed 004 P0.7.2): bounces, opt-outs,
complaints and manual entries. Read before any email (the policy guard, broadcasts, and the outbox at
send time); written by React. Addresses are stored trimmed and lower-cased."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import EmailSuppression
from schema.tables import stable_id


def reason_of(tenant_id: Any, email: Any) -> Any:
    """The suppression reason of ``email`` on ``tenant_id``'s list as a scalar subquery (NULL when
    not suppressed), for a statement that reads it with other facts (the guard's prefetch, the
    outbox's lock). Each may be a value or a column; a value is compared as given, so the caller
    trims and lower-cases it (a column of stored addresses already is)."""
    return (
        select(col(EmailSuppression.reason))
        .where(col(EmailSuppression.tenant_id) == tenant_id, col(EmailSuppression.email) == email)
        .scalar_subquery()
    )


def reason(s: Session, tenant_id: str, email: str) -> str | None:
    """The address's suppression reason (bounce, opt_out, complaint, manual), None when it is not
    suppressed. ``email`` is compared trimmed and lower-cased."""
    found: str | None = s.execute(select(reason_of(tenant_id, email.strip().lower()))).scalar()
    return found


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
