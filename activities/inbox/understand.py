"""One inbound email understood (issue 13 Build 4, 7 and 8): its class, the sender's own words,
the signature's contact fields and the opportunity signals, from the :class:`ParsedMail` of the
mailbox sync's one parse (:func:`activities.inbox.mime.parse`; routing rebuilds it from the row,
:func:`activities.inbox.rows.parsed_of`): nothing here parses MIME again.

The detectors' classes (bounce, auto_reply, unsubscribe) get no signature fields and no signals:
an out-of-office text is not an opportunity, and a DSN has no sender's signature.
"""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address

from activities.inbox.classify import MailClassifier
from activities.inbox.mime import ParsedMail
from activities.inbox.reply_text import split_reply
from activities.inbox.signals import detect_signals, merged, verified
from activities.inbox.signature import parse_signature
from core.settings import Settings
from workflows.mail_models import Answering, MessageUnderstanding, SignatureFields

DETECTED = frozenset({"bounce", "auto_reply", "unsubscribe"})
MAX_TEXT_CHARS = 100_000
"""Longer bodies are cut here: classification and parsing never need more."""


def sender(msg: ParsedMail) -> tuple[str, str]:
    """The From display name and domain ("" each when absent or unparsable)."""
    try:
        domain = Address(addr_spec=msg.from_email).domain if msg.from_email else ""
    except (ValueError, IndexError, HeaderParseError):
        domain = ""
    return msg.from_name, str(domain or "")


class MailUnderstanding:
    """Built once per process with the settings (see :class:`MailClassifier`)."""

    def __init__(self, settings: Settings) -> None:
        self._s = settings
        self._classifier = MailClassifier(settings)

    async def understand(self, msg: ParsedMail, answering: Answering | None = None) -> MessageUnderstanding:
        """``answering``: what of ours the email answers, if threading found it. Never raises for
        an LLM problem; message text is treated as data throughout."""
        message_id = (msg.message_id or "")[:300]
        subject = msg.subject[:500]
        body = msg.text[:MAX_TEXT_CHARS]
        early = self._classifier.structural(msg, body)  # bounce, mailto, auto-reply: no split needed
        if early is not None:
            return MessageUnderstanding(message_id=message_id, classification=early)
        name, domain = sender(msg)
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
