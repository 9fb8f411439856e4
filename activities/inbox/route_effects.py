"""The effects of routing one understood message (issue 13 Builds 3, 5 and 6; seed 004 P0.7.2),
inside the page's transaction (:mod:`activities.inbox.route`); the caller commits.

- bounce: each hard-failed recipient goes on the suppression list (kind ``bounce``);
- unsubscribe: the token of our mailto (``core.unsubscribe.find_token`` or the ``+token``
  address) opts out the address it was issued for, else the sender (kind ``opt_out``);
- auto-reply: kind ``auto_reply`` (never engagement); real replies: kind ``reply``;
- the sender's contact (found, discovered, enriched), the opportunity signals; the routing facts
  for ``related`` come back as the row's mark (the page marks them all in one statement).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from activities.inbox.contacts import REPLY_CLASSES, sender_contact
from activities.inbox.mime import ParsedMail
from activities.inbox.optout import mailto_arrival
from core.unsubscribe import find_token
from schema.business import Contact, InboundMessage
from schema.repositories import signals, suppression
from schema.repositories.unsubscribe import opt_out_by_token
from workflows.inbox.threading import Thread
from workflows.mail_models import MessageUnderstanding


@dataclass
class Routed:
    kind: str
    suppressed: int = 0


@dataclass(frozen=True)
class Work:
    """One message of a page, understood, waiting for its effects."""

    row: InboundMessage
    msg: ParsedMail | None
    understood: MessageUnderstanding | None
    thread: Thread | None


def apply(
    s: Session,
    row: InboundMessage,
    msg: ParsedMail | None,
    u: MessageUnderstanding | None,
    thread: Thread | None,
    now: datetime,
    known: dict[str, Contact],
) -> tuple[Routed, dict[str, Any]]:
    """Apply ``row``'s effects; the routed kind and the row's mark for
    ``inbound_routing.mark_routed``. ``msg``/``u`` None: a failed row (kind other). ``known``:
    the page's contacts by address (see :func:`.contacts.sender_contact`)."""
    t = row.tenant_id
    related: dict[str, Any] = dict(row.related or {})
    contact = sender_contact(s, row, msg, u, related, known)
    done = Routed(kind="other")
    if u is not None and msg is not None:
        c = u.classification
        related.update(
            {
                "class": c.kind,
                "confidence": c.confidence,
                "source": c.source,
                "reason": c.reason[:300],
            }
        )
        if thread is not None:
            related["answering"] = {
                "kind": thread.answering,
                "key": thread.key,
                "entity": thread.entity_id,
            }
        done = effects(s, row, msg, u, thread, related, now)
        signals.record_signals(
            s,
            t,
            row.id,
            u.signals,
            contact_id=contact.id if contact else None,
            account_id=contact.client_id if contact else None,
        )
    contact_id = contact.id if contact else None
    return done, {"pk": row.id, "kind": done.kind, "related": related, "contact_id": contact_id}


def effects(
    s: Session,
    row: InboundMessage,
    msg: ParsedMail,
    u: MessageUnderstanding,
    thread: Thread | None,
    related: dict[str, Any],
    now: datetime,
) -> Routed:
    t, c = row.tenant_id, u.classification
    if c.kind == "bounce":
        hard = c.bounce.hard_recipients if c.bounce else ()
        for addr in hard:
            suppression.suppress(s, t, addr, "bounce", row.message_id, now)
        if hard:
            related["recipient"] = hard[0]
        return Routed(kind="bounce" if hard else "other", suppressed=len(hard))
    if c.kind == "unsubscribe":
        arrival = mailto_arrival(msg)
        token = find_token(row.subject, row.body) or (arrival.token if arrival else None)
        owner = opt_out_by_token(s, token, "mailto", now) if token else None
        addr = owner.email if owner else row.from_email.strip().lower()
        if owner is None:
            suppression.suppress(s, t, addr, "opt_out", row.message_id, now)
        related["recipient"] = addr
        return Routed(kind="opt_out", suppressed=1)
    if c.kind == "auto_reply":
        return Routed(kind="auto_reply")
    return Routed(kind="reply" if c.kind in REPLY_CLASSES else "other")
