"""Classification of one inbound email (issue 13 Build 4; seed 004 P0.2): reply, client_request,
order_update, feedback_answer, bounce, auto_reply, unsubscribe or other.

Order, first answer wins:

1. detectors, deterministic: an RFC 3464 DSN or plain bounce (:mod:`.dsn`) -> ``bounce``; a
   message to the ``List-Unsubscribe`` mailto (:mod:`.optout`) -> ``unsubscribe``; an RFC 3834
   auto-reply (:mod:`.auto_reply`) -> ``auto_reply``; an unsubscribe subject or short body ->
   ``unsubscribe``;
2. the LLM tool call (:mod:`.llm_classify`) when configured;
3. rules, when the LLM is off or fails (any API error, an unusable answer): feedback hint ->
   ``feedback_answer``; explicit request -> ``client_request``; an order reference with an order
   word in the reply text -> ``order_update``; a reply header or ``Re:`` -> ``reply``; else ``other``.

``client_request`` is given only when the policy engine's rule holds
(:func:`workflows.cycle.policy.is_explicit_request` on the reply text): an AI ``client_request``
without it becomes ``reply``; an explicit request the AI called ``reply``/``other`` becomes
``client_request``. A feedback answer's sentiment is the AI's, else the feedback keywords'
(:func:`workflows.followups.rules.keyword_sentiment`).
"""

from __future__ import annotations

import re

import anthropic

from activities.inbox import llm_classify
from activities.inbox.auto_reply import detect_auto_reply
from activities.inbox.mime import ParsedMail
from activities.inbox.optout import asks_to_unsubscribe, mailto_arrival
from core.llm_client import anthropic_client
from core.logging import get_logger
from core.settings import Settings
from workflows.cycle.policy import is_explicit_request
from workflows.followups.models import Sentiment
from workflows.followups.rules import keyword_sentiment
from workflows.mail_models import Answering, Classification, MailClass

log = get_logger("activities.inbox.classify")
Proposals = tuple[tuple[str, str], ...]
_I = re.IGNORECASE
ORDER_REF = re.compile(
    r"\b(?:order|purchase order|bestellung|commande|pedido|ordine|PO|ORD)[\s#:-]*[A-Z]*-?\d+", _I
)
ORDER_WORD = re.compile(
    r"\b(?:order|shipped|shipping|shipment|deliver\w*|tracking|invoice|purchase order|dispatch\w*"
    r"|cancel\w*|back-?order\w*|lieferung|bestellung|rechnung|livraison|commande)\b",
    _I,
)
REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|antw|sv|vs|r|rif|odp|ynt)\s*:", _I)


def structural(msg: ParsedMail, body: str, local_part: str) -> Classification | None:
    """The detectors that need no reply text, in order: bounce (the one parse's ``msg.bounce``),
    the unsubscribe mailto, an RFC 3834 auto-reply; ``None`` when none fires."""
    bounce = msg.bounce
    if bounce is not None:
        why = (
            "RFC 3464 delivery status notification"
            if bounce.rfc3464
            else "bounce notice from a mailer daemon"
        )
        return Classification(
            kind="bounce",
            confidence=1.0 if bounce.rfc3464 else 0.8,
            reason=why,
            source="detector",
            bounce=bounce,
        )
    if mailto_arrival(msg, local_part) is not None:
        return Classification(
            kind="unsubscribe",
            confidence=1.0,
            reason="sent to the List-Unsubscribe mailto address",
            source="detector",
        )
    auto = detect_auto_reply(msg, body)
    if auto is not None:
        return Classification(
            kind="auto_reply",
            confidence=0.95,
            reason=f"RFC 3834 automatic reply ({auto.marker})",
            source="detector",
            auto_reply=auto,
        )
    return None


def detect(
    msg: ParsedMail, subject: str, body: str, reply_text: str, local_part: str
) -> Classification | None:
    """The deterministic detectors, in order (:func:`structural`, then an unsubscribe subject or
    short body); ``None`` when none fires."""
    found = structural(msg, body, local_part)
    if found is not None:
        return found
    phrase = asks_to_unsubscribe(subject, reply_text)
    if phrase is not None:
        return Classification(
            kind="unsubscribe", confidence=0.9, reason="asks to unsubscribe", source="detector"
        )
    return None


def _is_reply(msg: ParsedMail, subject: str) -> bool:
    h = msg.headers
    replied = msg.in_reply_to or h.get("in-reply-to") or h.get("references")
    return bool(replied or REPLY_SUBJECT.match(subject))


def by_rules(
    msg: ParsedMail, subject: str, reply_text: str, answering: Answering | None, note: str = ""
) -> Classification:
    """The rule fallback (see the module docstring); ``note`` says why rules answered."""
    explicit = is_explicit_request(reply_text)
    suffix = f" ({note})" if note else ""
    kind: MailClass
    if answering == "feedback_request":
        kind, why, conf = "feedback_answer", "answers our feedback request", 0.7
    elif explicit:
        kind, why, conf = "client_request", "explicit request (policy rule)", 0.7
    elif ORDER_REF.search(reply_text) and ORDER_WORD.search(reply_text):
        kind, why, conf = "order_update", "order reference with an order word", 0.6
    elif answering or _is_reply(msg, subject):
        kind, why, conf = "reply", "a reply to an earlier email", 0.6
    else:
        kind, why, conf = "other", "no rule matched", 0.4
    sentiment = (
        Sentiment(label=keyword_sentiment(reply_text), source="keywords")
        if kind == "feedback_answer"
        else None
    )
    return Classification(
        kind=kind,
        confidence=conf,
        reason=why + suffix,
        source="rules",
        explicit_request=explicit,
        sentiment=sentiment,
    )


class MailClassifier:
    """Classifies messages for one process; built once with the settings (the LLM client from the
    one factory, or none: ``mailparse.classifier`` ``rules`` or no API key)."""

    def __init__(self, settings: Settings) -> None:
        self._s = settings
        mode = settings.mailparse.classifier
        self._client = (
            anthropic_client(settings.llm, timeout_s=settings.mailparse.llm_timeout_s)
            if mode != "rules"
            else None
        )

    def structural(self, msg: ParsedMail, body: str) -> Classification | None:
        """:func:`structural` with the configured unsubscribe local part: a message it classifies
        needs no reply-text split (the understanding skips it)."""
        return structural(msg, body, self._s.mailparse.unsubscribe_local_part)

    async def classify(
        self,
        msg: ParsedMail,
        *,
        subject: str,
        body: str,
        reply_text: str,
        answering: Answering | None = None,
    ) -> tuple[Classification, Proposals]:
        """The class, and the model's proposed (kind, evidence) signals (unverified; () without the
        model). ``body``: the whole text (``msg.text``); ``reply_text``: the sender's own
        words (:func:`.reply_text.split_reply`); ``answering``: threading's hint. Never raises for
        an LLM problem (rules answer, and ``reason`` says why)."""
        found = detect(msg, subject, body, reply_text, self._s.mailparse.unsubscribe_local_part)
        if found is not None:
            return found, ()
        if self._client is None:
            return by_rules(msg, subject, reply_text, answering), ()
        try:
            ai = await llm_classify.ask(self._client, self._s, subject, reply_text, answering)
        except anthropic.APIError as e:
            log.warning("mail classifier AI unavailable; rules used", error=type(e).__name__)
            note = f"AI unavailable: {type(e).__name__}"
            return by_rules(msg, subject, reply_text, answering, note), ()
        if isinstance(ai, str):
            log.warning("mail classifier answer unusable; rules used", problem=ai)
            return by_rules(msg, subject, reply_text, answering, f"AI answer unusable: {ai}"), ()
        return llm_classify.reconcile(ai, reply_text), ai.signals
