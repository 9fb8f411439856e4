"""What a reply answers (issue 13 Build 3): our outbound Message-IDs derive from idempotency keys
(``activities.email.message_id_for``), so the outbox row that a reply's ``In-Reply-To`` or
``References`` names gives back the exact key, and the key says what was sent. Pure.

Keys and what they answer:

- ``{tenant}:feedback:{order}`` → the order's feedback request (``feedback_request``);
- ``{tenant}:quote:{quote}:sent`` / ``…:follow-up:{n}`` → the quote (``quote``);
- ``{tenant}:broadcast:{campaign}:{contact}`` → the campaign (``campaign``);
- anything else we send (cycle actions, deal follow-ups, service recovery, compliance reminders)
  → ``action``, with no entity.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.mail_models import Answering


@dataclass(frozen=True)
class Thread:
    """The outbound email a reply answers: its idempotency ``key``, what it was (``answering``)
    and the entity it was about (order id, quote id or campaign id; None for an action)."""

    key: str
    answering: Answering
    entity_id: str | None = None


def thread_of(tenant_id: str, key: str) -> Thread:
    """``key`` (an outbox idempotency key of ``tenant_id``) read as a :class:`Thread`."""
    rest = key.removeprefix(f"{tenant_id}:")
    parts = rest.split(":") if rest != key else []
    if len(parts) == 2 and parts[0] == "feedback":
        return Thread(key, "feedback_request", parts[1])
    if len(parts) >= 3 and parts[0] == "quote":
        return Thread(key, "quote", parts[1])
    if len(parts) == 3 and parts[0] == "broadcast":
        return Thread(key, "campaign", parts[1])
    return Thread(key, "action")


def referenced_ids(in_reply_to: str | None, references: list[str] | None) -> list[str]:
    """The Message-IDs a reply names, most specific first: ``In-Reply-To``, then ``References``
    newest first (RFC 5322 §3.6.4), without duplicates."""
    out: list[str] = []
    for mid in [in_reply_to, *reversed(references or [])]:
        if mid and mid not in out:
            out.append(mid)
    return out
