"""One inbound email understood (issue 13 Build 4, 7 and 8): its class, the sender's own words,
the signature's contact fields and the opportunity signals, from an ``EmailMessage`` parsed with
``email.policy.default`` (what the mailbox sync produces).

The detectors' classes (bounce, auto_reply, unsubscribe) get no signature fields and no signals:
an out-of-office text is not an opportunity, and a DSN has no sender's signature.
"""

from __future__ import annotations

from email.message import EmailMessage

from activities.inbox.body import body_text
from activities.inbox.classify import MailClassifier
from activities.inbox.reply_text import split_reply
from activities.inbox.signals import detect_signals, merged, verified
from activities.inbox.signature import parse_signature
from core.settings import Settings
from workflows.mail_models import Answering, MessageUnderstanding, SignatureFields

DETECTED = frozenset({"bounce", "auto_reply", "unsubscribe"})


def header_text(msg: EmailMessage, name: str, limit: int = 500) -> str:
    """A header's decoded value on one line ("" if absent or undecodable), at most ``limit`` chars."""
    try:
        value = msg.get(name)
    except (ValueError, IndexError, TypeError):  # a malformed header the policy cannot parse
        return ""
    return " ".join(str(value).split())[:limit] if value is not None else ""


def sender(msg: EmailMessage) -> tuple[str, str]:
    """The From display name and domain ("" each when absent or unparsable)."""
    try:
        header = msg.get("From")
        addresses = getattr(header, "addresses", ())
    except (ValueError, IndexError, TypeError):
        return "", ""
    if not addresses:
        return "", ""
    return str(addresses[0].display_name or ""), str(addresses[0].domain or "")


class MailUnderstanding:
    """Built once per process with the settings (see :class:`MailClassifier`)."""

    def __init__(self, settings: Settings) -> None:
        self._s = settings
        self._classifier = MailClassifier(settings)

    async def understand(self, msg: EmailMessage, answering: Answering | None = None) -> MessageUnderstanding:
        """``answering``: what of ours the email answers, if threading found it. Never raises for
        an LLM problem; message text is treated as data throughout."""
        message_id = header_text(msg, "Message-ID", 300)
        subject = header_text(msg, "Subject")
        name, domain = sender(msg)
        body = body_text(msg)
        parts = split_reply(body, name)
        cls, proposals = await self._classifier.classify(
            msg, subject=subject, body=body, reply_text=parts.text, answering=answering
        )
        if cls.kind in DETECTED:
            return MessageUnderstanding(message_id=message_id, classification=cls)
        signature = parse_signature(
            parts.signature,
            message_id=message_id,
            region=self._s.mailparse.default_region,
            sender_name=name,
            sender_domain=domain,
        )
        return MessageUnderstanding(
            message_id=message_id,
            classification=cls,
            reply_text=parts.text[:20_000],
            quoted_removed=parts.quoted,
            signature=signature if not signature.empty else SignatureFields(),
            signals=merged(detect_signals(parts.text), verified(parts.text, proposals)),
        )
