"""Repository of the email outbox (``email_outbox``) and what a send decision reads and records:
tenant send-mode overrides, the global ``system_config`` switch, suppressions, policy violations
and provider failures. Session-style; the caller owns the transaction, which matters here: the
row lock taken by :func:`lock` lasts until the caller commits or rolls back (see
:mod:`activities.email` for the exactly-once argument).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import EmailProviderFailure, OutboxEmail, PolicyViolation
from schema.platform import SystemConfig
from schema.repositories.suppression import reason_of
from schema.tables import Tenant, new_id, stable_id
from workflows.email import SendEmailInput

FINAL = ("sent", "dry_run", "blocked", "failed", "unknown")
"""Statuses a retry never sends again."""
OUTBOX = OutboxEmail.__table__  # type: ignore[attr-defined]


def insert_queued(s: Session, inp: SendEmailInput, message_id: str) -> None:
    """The ``queued`` row for the idempotency key, unless one exists (then nothing changes)."""
    s.execute(
        insert(OUTBOX)
        .values(
            id=stable_id(inp.idempotency_key),
            tenant_id=inp.tenant_id,
            idempotency_key=inp.idempotency_key,
            run_id=inp.run_id,
            to_email=inp.to_email.strip().lower(),
            subject=inp.subject,
            body=inp.body,
            status="queued",
            message_id=message_id,
            attempts=0,
            created_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )


_OVERRIDES = select(col(Tenant.agent_settings)).where(col(Tenant.id) == OUTBOX.c.tenant_id)
_SWITCH = select(col(SystemConfig.value)).where(col(SystemConfig.key) == "email")
_LOCK = (
    select(
        OUTBOX,
        _OVERRIDES.scalar_subquery().label("overrides"),
        _SWITCH.scalar_subquery().label("email_switch"),
        reason_of(OUTBOX.c.tenant_id, OUTBOX.c.to_email).label("suppressed"),
    )
    .where(OUTBOX.c.idempotency_key == bindparam("key"))
    .with_for_update(of=OUTBOX)
)


def lock(s: Session, idempotency_key: str) -> Row[Any]:
    """The key's row, locked ``FOR UPDATE`` until the transaction ends (a concurrent attempt waits),
    with what the send decides on, read in the same round trip (issue 17; three statements
    before): ``overrides`` (the tenant's ``agent_settings``: email_mode, email_allowlist,
    limited_live_cap_per_hour; None when unset), ``email_switch`` (``system_config`` key
    ``email``, ``{"disabled": true}`` switches sending off) and ``suppressed`` (the recipient's
    suppression reason, as ``suppression.reason``: the row's ``to_email`` is stored trimmed and
    lower-cased)."""
    return s.execute(_LOCK, {"key": idempotency_key}).one()


def sent_since(s: Session, tenant_id: str, since: datetime) -> int:
    """The tenant's emails with status ``sent`` since ``since``."""
    return int(
        s.execute(
            select(func.count())
            .select_from(OUTBOX)
            .where(OUTBOX.c.tenant_id == tenant_id, OUTBOX.c.status == "sent", OUTBOX.c.sent_at >= since)
        ).scalar_one()
    )


def record_violation(s: Session, row: Row[Any], rule: str, reason: str) -> None:
    """A blocked ``agent_policy_violations`` row for the email, once per (key, rule)."""
    s.execute(
        insert(PolicyViolation.__table__)  # type: ignore[attr-defined]
        .values(
            id=stable_id(row.idempotency_key, rule),
            tenant_id=row.tenant_id,
            run_id=row.run_id,
            action_key=row.idempotency_key,
            action_type="send_email",
            action_data={"to_email": row.to_email, "subject": row.subject},
            rule=rule,
            reason=reason,
            blocked=True,
            created_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing()
    )


def set_status(s: Session, row_id: str, **values: Any) -> None:
    """Update the row's status, mode, detail, attempts or ``sent_at``."""
    s.execute(update(OUTBOX).where(OUTBOX.c.id == row_id).values(**values))


def record_failure(s: Session, tenant_id: str, code: int | None, error: str) -> None:
    """An ``email_provider_failures`` row (SMTP code when there was one)."""
    s.execute(
        insert(EmailProviderFailure.__table__).values(  # type: ignore[attr-defined]
            id=new_id(), tenant_id=tenant_id, code=code, error=error, created_at=datetime.now(UTC)
        )
    )
