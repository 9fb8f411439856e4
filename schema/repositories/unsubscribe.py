"""Unsubscribe tokens (``unsubscribe_tokens``; issue 13 item 6): the outbox records a recipient's
token hash before the email leaves; the public route finds it (a platform read: the caller has no
tenant) and the tenant-scoped write suppresses the address (:mod:`schema.repositories.suppression`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from core.unsubscribe import token_hash
from schema.repositories import suppression
from schema.tables import stable_id
from schema.unsubscribe import UnsubscribeToken

REASON = "opt_out"


@dataclass(frozen=True)
class TokenOwner:
    """Whose token a hash is: the tenant and the lower-cased address."""

    tenant_id: str
    email: str


def remember(s: Session, tenant_id: str, email: str, token_hash: str) -> None:
    """Record the (tenant, address) token hash once; a second call changes nothing."""
    s.execute(
        insert(UnsubscribeToken.__table__)  # type: ignore[attr-defined]
        .values(
            id=stable_id(tenant_id, "unsubscribe", email),
            tenant_id=tenant_id,
            email=email.strip().lower(),
            token_hash=token_hash,
        )
        .on_conflict_do_nothing()
    )


def owner(s: Session, token_hash: str) -> TokenOwner | None:
    """The tenant and address of a token hash, None if unknown. Across tenants: call it in a
    ``platform_transaction`` (the public route knows no tenant yet)."""
    row = s.execute(
        select(col(UnsubscribeToken.tenant_id), col(UnsubscribeToken.email)).where(
            col(UnsubscribeToken.token_hash) == token_hash
        )
    ).first()
    return TokenOwner(row[0], row[1]) if row else None


def opt_out(s: Session, who: TokenOwner, token_hash: str, source: str, now: datetime) -> None:
    """Suppress the address (reason ``opt_out``, ``source`` e.g. ``one-click``) once and stamp the
    token's ``used_at``. Call it in ``who.tenant_id``'s ``tenant_transaction``; idempotent."""
    suppression.suppress(s, who.tenant_id, who.email, REASON, source, now)
    s.execute(
        update(UnsubscribeToken)
        .where(
            col(UnsubscribeToken.tenant_id) == who.tenant_id,
            col(UnsubscribeToken.token_hash) == token_hash,
        )
        .values(used_at=now)
    )


def opt_out_by_token(s: Session, token: str, source: str, now: datetime) -> TokenOwner | None:
    """A token found in an arriving message (``core.unsubscribe.find_token``, source e.g.
    ``mailto``): suppress its address if the session's scope knows it, and return whose it was;
    None (nothing changes) for an unknown token. In a ``tenant_transaction`` of the mailbox's
    tenant only that tenant's tokens are seen, so a message in one tenant's inbox never suppresses
    in another's. The token is the credential: the sender's address is not compared."""
    digest = token_hash(token)
    who = owner(s, digest)
    if who is not None:
        opt_out(s, who, digest, source, now)
    return who
