"""Delivery status notifications (RFC 3464; issue 13 Build 4 "bounce", seed 004 P0.7.2).

A ``multipart/report; report-type=delivery-status`` message carries a ``message/delivery-status``
part, which the stdlib ``email`` package already splits into header blocks: the per-message
fields first (``Reporting-MTA``), then one block per recipient (``Final-Recipient``, ``Action``,
``Status``, ``Remote-MTA``, ``Diagnostic-Code``). Each ``failed`` or ``delayed`` recipient is
reported: ``hard`` for a 5.x.x status, ``soft`` for 4.x.x (RFC 3463 classes). The bounced
message's own Message-ID comes from the returned headers (``text/rfc822-headers`` or
``message/rfc822``), so routing can find the exact outbound email.

A bounce without a report (an old MTA's plain-text notice) is recognised by its null sender role
(``MAILER-DAEMON``, ``postmaster``) and subject, and returned with ``rfc3464=False`` and no
recipients: never enough to suppress an address on its own.
"""

from __future__ import annotations

import re
from email.message import EmailMessage, Message
from email.parser import HeaderParser

from activities.inbox.body import part_text
from workflows.mail_models import BounceInfo, FailedRecipient

STATUS = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}$")
BOUNCE_SENDERS = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)$", re.IGNORECASE)
BOUNCE_SUBJECTS = re.compile(
    r"undeliver(?:ed|able)|delivery status notification \(failure\)|mail delivery (?:failed|failure)"
    r"|failure notice|returned mail|delivery (?:has )?failed|unzustellbar|non remis",
    re.IGNORECASE,
)


def _value(field: str | None) -> str | None:
    """``"rfc822; a@b"`` -> ``"a@b"``; ``"dns; mx.example"`` -> ``"mx.example"``."""
    if not field:
        return None
    v = str(field).split(";", 1)[-1].strip().strip("<>").strip()
    return v or None


def _recipient(block: Message) -> FailedRecipient | None:
    action = str(block.get("Action", "")).strip().lower()
    status = str(block.get("Status", "")).strip().split(" ", 1)[0]
    recipient = _value(block.get("Final-Recipient")) or _value(block.get("Original-Recipient"))
    m = STATUS.match(status)
    if action not in ("failed", "delayed") or not recipient or not m or m.group(1) == "2":
        return None
    diagnostic = block.get("Diagnostic-Code")
    return FailedRecipient(
        recipient=recipient.lower(),
        action="failed" if action == "failed" else "delayed",
        status=status,
        severity="hard" if m.group(1) == "5" else "soft",
        diagnostic=" ".join(str(diagnostic).split())[:500] if diagnostic else None,
        remote_mta=_value(block.get("Remote-MTA")),
    )


def _original_message_id(msg: EmailMessage) -> str | None:
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "text/rfc822-headers":
            headers = HeaderParser().parsestr(part_text(part), headersonly=True)
            return _msgid(headers.get("Message-ID"))
        if ctype == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return _msgid(inner[0].get("Message-ID"))
    return None


def _msgid(raw: object) -> str | None:
    text = " ".join(str(raw).split()) if raw else ""
    return text[:300] or None


def _sender_local_part(msg: EmailMessage) -> str:
    try:
        addresses = getattr(msg.get("From"), "addresses", ())
    except (ValueError, IndexError, TypeError):
        return ""
    return str(addresses[0].username) if addresses else ""


def is_report(msg: EmailMessage) -> bool:
    """Whether ``msg`` is an RFC 3464 report (``multipart/report; report-type=delivery-status``)."""
    return (
        msg.get_content_type() == "multipart/report"
        and str(msg.get_param("report-type", "", header="content-type")).lower() == "delivery-status"
    )


def parse_dsn(msg: EmailMessage) -> BounceInfo | None:
    """The bounce facts of ``msg``, or ``None`` when it is not a bounce.

    RFC 3464 reports give every failed or delayed recipient (a report whose recipients were all
    delivered is not a bounce); a plain-text bounce, or a report too broken to read, from a
    mailer daemon with a bounce subject gives ``rfc3464=False`` and no recipients.
    """
    if is_report(msg):
        status_part = next((p for p in msg.walk() if p.get_content_type() == "message/delivery-status"), None)
        payload = status_part.get_payload() if status_part is not None else None
        blocks = [b for b in payload if isinstance(b, Message)] if isinstance(payload, list) else []
        if blocks:
            recipients = tuple(r for b in blocks[1:] if (r := _recipient(b)) is not None)
            if recipients:
                return BounceInfo(
                    rfc3464=True,
                    recipients=recipients,
                    reporting_mta=_value(blocks[0].get("Reporting-MTA")),
                    original_message_id=_original_message_id(msg),
                )
    if BOUNCE_SUBJECTS.search(str(msg.get("Subject", ""))) and BOUNCE_SENDERS.match(_sender_local_part(msg)):
        return BounceInfo(rfc3464=False, original_message_id=_original_message_id(msg))
    return None
