"""What one inbound email means: the typed results of :mod:`activities.inbox` (issue 13, Build 4, 7
and 8; seed 004 P0.2, P0.7.2 and P1.6). Pure models, safe in workflow inputs and results.

- :class:`Classification`: one of :data:`MailClass` with confidence, reason and the detector's
  facts (bounce recipients, auto-reply marker, feedback sentiment).
- :class:`SignatureFields`: contact fields parsed from a reply's signature, each with its source.
- :class:`DetectedSignal`: an opportunity signal with the seed's strength and its evidence phrase.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from workflows.followups.models import Sentiment
from workflows.models import Frozen

MailClass = Literal[
    "reply",
    "client_request",
    "order_update",
    "feedback_answer",
    "bounce",
    "auto_reply",
    "unsubscribe",
    "other",
]
"""The classes of seed 004 P0.2 / issue 13 Build 4."""

Answering = Literal["feedback_request", "quote", "action", "campaign"]
"""What our own outbound message the email answers, when threading found it (a hint)."""

SignalKind = Literal["complaint", "urgency", "upsell", "renewal", "referral"]

SIGNAL_STRENGTH: dict[SignalKind, float] = {
    "complaint": 0.8,
    "urgency": 0.7,
    "upsell": 0.6,
    "renewal": 0.7,
    "referral": 0.6,
}
"""Strength per signal kind, 0..1 (seed 004 P1.6 "Signal Types Detected")."""


class FailedRecipient(Frozen):
    """One per-recipient block of an RFC 3464 report whose action is ``failed`` or ``delayed``.
    ``severity``: ``hard`` for a 5.x.x status (permanent), ``soft`` for 4.x.x (transient)."""

    recipient: str
    action: Literal["failed", "delayed"]
    status: str
    """The enhanced status code (RFC 3463), e.g. ``5.1.1``."""
    severity: Literal["hard", "soft"]
    diagnostic: str | None = None
    remote_mta: str | None = None


class BounceInfo(Frozen):
    """A delivery status notification. ``rfc3464`` False: a bounce recognised only by its sender
    and subject (no machine-readable report, so no recipients)."""

    rfc3464: bool
    recipients: tuple[FailedRecipient, ...] = ()
    reporting_mta: str | None = None
    original_message_id: str | None = None
    """The Message-ID of our message that bounced (from the returned headers), for routing."""

    @property
    def hard_recipients(self) -> tuple[str, ...]:
        """Addresses that failed permanently: these go on the suppression list (P0.7.2)."""
        return tuple(r.recipient for r in self.recipients if r.severity == "hard" and r.action == "failed")


class AutoReplyInfo(Frozen):
    """Why the message counts as automatic (RFC 3834): the header or subject marker that matched."""

    marker: str
    out_of_office: bool


class Classification(Frozen):
    """The class of one inbound email.

    ``source``: ``detector`` (DSN, auto-reply, unsubscribe: deterministic, they win), ``ai`` (the
    LLM tool call) or ``rules`` (the fallback). ``explicit_request`` is the policy engine's rule
    (:func:`workflows.cycle.policy.is_explicit_request`) on the reply text; ``client_request`` is
    only ever given when it holds. ``confidence`` is 0..1.
    """

    kind: MailClass
    confidence: float = Field(ge=0, le=1)
    reason: str
    source: Literal["detector", "ai", "rules"]
    explicit_request: bool = False
    bounce: BounceInfo | None = None
    auto_reply: AutoReplyInfo | None = None
    sentiment: Sentiment | None = None
    """Only for ``feedback_answer``."""


class SourcedValue(Frozen):
    """A value with where it came from: ``source`` ``signature`` of message ``message_id``."""

    value: str
    source: Literal["signature"] = "signature"
    message_id: str


class SignatureFields(Frozen):
    """Contact fields from a signature block (best effort). Phones are E.164 (``+442079460958``)."""

    phones: tuple[SourcedValue, ...] = ()
    title: SourcedValue | None = None
    company: SourcedValue | None = None
    linkedin: SourcedValue | None = None
    address: SourcedValue | None = None

    @property
    def empty(self) -> bool:
        return not (self.phones or self.title or self.company or self.linkedin or self.address)


class DetectedSignal(Frozen):
    """An opportunity signal (seed 004 P1.6): its kind, the seed's strength and the phrase
    (the sentence it was found in, at most 300 characters)."""

    kind: SignalKind
    strength: float
    evidence: str = Field(max_length=300)


class MessageUnderstanding(Frozen):
    """Everything :mod:`activities.inbox.understand` reads out of one email. ``reply_text`` is
    the sender's own words (quoted thread and signature removed, at most 20,000 characters).
    Signature fields and signals are empty for bounces, auto-replies and unsubscribes."""

    message_id: str
    classification: Classification
    reply_text: str = Field(default="", max_length=20_000)
    quoted_removed: bool = False
    signature: SignatureFields = SignatureFields()
    signals: tuple[DetectedSignal, ...] = ()
