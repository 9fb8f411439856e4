"""The sender's contact for a routed message (issue 13 Builds 3 and 7; seed 004 P1.6), in the
routing transaction: the tenant's contact with the sender's address; else, for a real reply
(not a bounce, auto-reply or unsubscribe), contact discovery (a new sender at a known account's
domain becomes its contact); then the signature's fields enrich that contact, only where its
fields are empty, each value's source recorded (``contact_field_sources``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from activities.inbox.mime import ParsedMail
from schema.business import Contact, InboundMessage
from schema.repositories import enrichment
from workflows.mail_models import MessageUnderstanding

REPLY_CLASSES = frozenset({"reply", "client_request", "feedback_answer", "order_update"})


def sender_contact(
    s: Session,
    row: InboundMessage,
    msg: ParsedMail | None,
    u: MessageUnderstanding | None,
    related: dict[str, Any],
    known: dict[str, Contact],
) -> Contact | None:
    """The contact of ``row``'s sender, discovered and enriched as the module says; notes what
    happened in ``related`` (``contact_discovered``, ``enriched``: the fields set). ``known``: the
    page's contacts by lower-cased address (``engagement.contacts_by_email``, one query per page);
    a discovered contact is added to it."""
    t = row.tenant_id
    contact = known.get(row.from_email.lower()) if row.from_email else None
    if u is None or msg is None or u.classification.kind not in REPLY_CLASSES:
        return contact
    if contact is None and row.from_email:
        contact = enrichment.discover_contact(s, t, row.from_email, msg.from_name)
        if contact is not None:
            related["contact_discovered"] = True
            known[row.from_email.lower()] = contact
    if contact is not None and not u.signature.empty:
        decisions = enrichment.enrich_contact(s, t, contact, u.signature, row.id)
        related["enriched"] = [d.field for d in decisions if d.outcome == "set"]
    return contact
