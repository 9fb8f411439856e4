"""Unsubscribe requests arriving by email (issue 13 Build 6, RFC 8058 / RFC 2369): the mailto
``List-Unsubscribe`` address receiving a message, or a short message asking to be taken off.

- :func:`mailto_arrival`: a recipient header (``To``, ``Delivered-To``, ``X-Original-To``) whose
  local part is ``unsubscribe`` or ``unsubscribe+<token>`` (the mailto our outbound mail carries).
  The token is returned as given (untrusted; the unsubscribe service verifies it).
- :func:`asks_to_unsubscribe`: an unsubscribe subject, or a short body (at most
  :data:`SHORT_BODY` characters) that asks to stop, several languages. Negated phrasing
  ("I do not want to unsubscribe") does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address

from activities.inbox.mime import ParsedMail

_I = re.IGNORECASE
SHORT_BODY = 400
RECIPIENT_HEADERS = ("To", "Delivered-To", "X-Original-To")
SUBJECT = re.compile(
    r"^\s*(?:re:\s*)?(?:unsubscribe|remove me|opt[\s-]?out|abmelden|abbestellen|d[ée]sabonner"
    r"|d[ée]sinscription|darse de baja|baja|cancella(?:re)? iscrizione|afmelden|uitschrijven)\b",
    _I,
)
BODY = re.compile(
    r"\b(?:unsubscribe|remove me from (?:your|the|this) (?:mailing |email )?list|take me off"
    r"|stop (?:sending|emailing|mailing) (?:me|us)|opt me out|no more emails|bitte abmelden"
    r"|keine (?:weiteren )?e-?mails|d[ée]sabonnez-moi|darme de baja)\b",
    _I,
)
NEGATED = re.compile(r"\b(?:not|n't|never|no need to|don't)\b[^.!?\n]{0,20}$", _I)


@dataclass(frozen=True)
class MailtoArrival:
    address: str
    token: str | None


def mailto_arrival(msg: ParsedMail, local_part: str = "unsubscribe") -> MailtoArrival | None:
    """The unsubscribe mailto address this message was sent to (its ``recipients``: the
    :data:`RECIPIENT_HEADERS`), with its ``+token``, or ``None``."""
    prefix = local_part.lower()
    for spec in msg.recipients:
        if not spec.lower().startswith(prefix):  # most mail: skip the address parser
            continue
        try:
            addr = Address(addr_spec=spec)
        except (ValueError, IndexError, HeaderParseError):
            continue
        base, _, token = addr.username.partition("+")
        if addr.domain and base.lower() == local_part.lower():
            return MailtoArrival(address=addr.addr_spec.lower(), token=token or None)
    return None


def asks_to_unsubscribe(subject: str, text: str) -> str | None:
    """The phrase that asks to unsubscribe (subject first, then a short body), or ``None``."""
    if SUBJECT.search(subject or ""):
        return (subject or "").strip()[:100]
    body = (text or "").strip()
    if len(body) > SHORT_BODY:
        return None
    for m in BODY.finditer(body):
        if not NEGATED.search(body[max(0, m.start() - 40) : m.start()]):
            return m.group(0)
    return None
