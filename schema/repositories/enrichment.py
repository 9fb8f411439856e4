"""Contact enrichment and discovery (issue 13 Build 7, seed 004 P1.6), session-style: the caller
owns the transaction (``schema.db.tenant_transaction``) and commits.

- :func:`enrich_contact`: merge a signature's fields into a contact, only into empty fields
  (:func:`workflows.inbox.enrichment.decide`; a conflicting value never overwrites), and record
  every offered value's source in ``contact_field_sources`` (idempotent per message and field).
- :func:`discover_contact`: a sender at exactly one live account's domain (``clients.domain``)
  becomes that account's contact (``ON CONFLICT DO NOTHING`` on the tenant's email: race-safe).
- :func:`discover_for_account`: the same for every reply sender at one account's domain
  already in the mailbox (the cycle's ``contact_discovery`` action runs it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.business import Client, Contact, InboundMessage
from schema.enrichment import ContactFieldSource
from schema.tables import new_id
from workflows.inbox.enrichment import FieldDecision, decide
from workflows.mail_models import SignatureFields


def enrich_contact(
    s: Session, tenant_id: str, contact: Contact, sig: SignatureFields, inbound_message_id: str
) -> list[FieldDecision]:
    """Apply ``sig`` to ``contact`` (see the module); returns the decisions. A field set
    concurrently by someone else is left alone (the update only fills a NULL or blank column)."""
    current = {f: getattr(contact, f) for f in ("phone", "title", "company", "linkedin_url", "address")}
    decisions = decide(current, sig)
    now = datetime.now(UTC)
    for d in decisions:
        if d.outcome == "set":
            column = getattr(Contact, d.field)
            s.execute(
                update(Contact)
                .where(
                    col(Contact.tenant_id) == tenant_id,
                    col(Contact.id) == contact.id,
                    or_(column.is_(None), func.btrim(column) == ""),
                )
                .values({d.field: d.value, "updated_at": now})
            )
    if decisions:
        rows = [
            {
                "id": new_id(),
                "tenant_id": tenant_id,
                "contact_id": contact.id,
                "field": d.field,
                "value": d.value[:300],
                "outcome": d.outcome,
                "source": d.source,
                "message_id": d.message_id[:300],
                "inbound_message_id": inbound_message_id,
                "recorded_at": now,
            }
            for d in decisions
        ]
        s.execute(insert(ContactFieldSource).values(rows).on_conflict_do_nothing())
    return decisions


def sources(s: Session, tenant_id: str, contact_id: str) -> list[ContactFieldSource]:
    """A contact's recorded field sources, oldest first."""
    src = ContactFieldSource
    q = (
        select(src)
        .where(col(src.tenant_id) == tenant_id, col(src.contact_id) == contact_id)
        .order_by(col(ContactFieldSource.recorded_at), col(ContactFieldSource.field))
    )
    return list(s.execute(q).scalars())


def _account_for(s: Session, tenant_id: str, domain: str) -> str | None:
    ids = list(
        s.execute(
            select(Client.id).where(
                col(Client.tenant_id) == tenant_id,
                func.lower(Client.domain) == domain.lower(),
                col(Client.active).is_(True),
                col(Client.archived_at).is_(None),
            )
        ).scalars()
    )
    return ids[0] if len(ids) == 1 else None  # two accounts on one domain: ambiguous, skip


def _add(s: Session, tenant_id: str, account_id: str, email: str, name: str) -> Contact | None:
    s.execute(
        insert(Contact)
        .values(id=new_id(), tenant_id=tenant_id, client_id=account_id, name=name[:200], email=email)
        .on_conflict_do_nothing(constraint="uq_contact_tenant_email")
    )
    return s.execute(
        select(Contact).where(col(Contact.tenant_id) == tenant_id, col(Contact.email) == email)
    ).scalar()


def discover_contact(s: Session, tenant_id: str, email: str, name: str = "") -> Contact | None:
    """The contact for a new sender ``email`` at a known account's domain, created now; None when
    the domain is no single live account's. ``name``: the From display name (untrusted text)."""
    addr = email.strip().lower()
    try:
        domain = Address(addr_spec=addr).domain
    except (ValueError, IndexError, HeaderParseError):
        return None
    if not domain or len(addr) > 320:
        return None
    account_id = _account_for(s, tenant_id, domain)
    if account_id is None:
        return None
    return _add(s, tenant_id, account_id, addr, " ".join(name.split()))


def discover_for_account(s: Session, tenant_id: str, account_id: str, limit: int = 100) -> int:
    """Contacts created for reply senders at the account's domain (at most ``limit``); 0 when the
    account has no domain."""
    account = s.get(Client, account_id)
    if account is None or account.tenant_id != tenant_id or not account.domain:
        return 0
    suffix = "@" + account.domain.strip().lower()
    known = select(Contact.email).where(col(Contact.tenant_id) == tenant_id, col(Contact.email).is_not(None))
    senders = s.execute(
        select(func.lower(InboundMessage.from_email), InboundMessage.headers)
        .where(
            col(InboundMessage.tenant_id) == tenant_id,
            col(InboundMessage.kind) == "reply",
            func.lower(InboundMessage.from_email).endswith(suffix, autoescape=True),
            func.lower(InboundMessage.from_email).not_in(known),
        )
        .order_by(col(InboundMessage.received_at))
    ).all()
    added: set[str] = set()
    for addr, headers in senders:
        if addr in added or len(added) >= limit:
            continue
        if discover_contact(s, tenant_id, addr, parseaddr(str((headers or {}).get("from", "")))[0]):
            added.add(addr)
    return len(added)
