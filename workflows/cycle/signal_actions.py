"""What the rule-based planner does with opportunity signals (seed 004 P1.6, issue 13 Build 8):
one email per contact with unacted signals, answering the strongest kind (complaint 0.8,
urgency 0.7, renewal 0.7, upsell 0.6, referral 0.6). The text is ours: the client's evidence
sentence is never quoted (untrusted). Signals without a contact email get no action and stay
unacted. Pure; keys are once ever per signal (``{tenant}:signal:{first signal id}``).
"""

from __future__ import annotations

from collections.abc import Iterable

from workflows.cycle.actions import ActionKind, ProposedAction
from workflows.cycle.context import CycleContext, SignalItem

TEXT: dict[str, tuple[str, str]] = {
    "complaint": (
        "Following up on your message",
        "I'm sorry to hear that things have not gone as they should. We are looking into it now "
        "and will come back to you shortly. If there is anything else we should know, just reply.",
    ),
    "urgency": (
        "We're on it",
        "Thank you for your message. We have seen that this is time-sensitive and are on it; "
        "we will be back to you as soon as possible.",
    ),
    "renewal": (
        "Your renewal",
        "Thank you for raising the renewal. We would be glad to go through the options with you: "
        "when would suit you for a short call?",
    ),
    "upsell": (
        "More options for you",
        "Thank you for your interest in doing more with us. We will put the options together and "
        "send them over; tell us if there is anything specific you have in mind.",
    ),
    "referral": (
        "Thank you for the introduction",
        "Thank you for thinking of us, we really appreciate the introduction and will take good care of it.",
    ),
}


def _greeting(name: str) -> str:
    first = " ".join(name.split())
    return f"Hi {first}," if first and len(first) <= 60 and "@" not in first else "Hi there,"


def signal_actions(ctx: CycleContext) -> Iterable[ProposedAction]:
    """One ``send_email`` per contact with an email, for its strongest signal (priority 70 +
    strength x 10), naming all of that contact's signals in ``signal_ids``; in ``ctx.signals``
    order (strongest first)."""
    by_contact: dict[str, list[SignalItem]] = {}
    for sig in ctx.signals:
        if sig.contact_id and sig.email and sig.email.strip() and sig.kind in TEXT:
            by_contact.setdefault(sig.contact_id, []).append(sig)
    for contact_id, sigs in by_contact.items():
        top = max(sigs, key=lambda x: x.strength)
        subject, text = TEXT[top.kind]
        yield ProposedAction(
            key=f"{ctx.tenant_id}:signal:{sigs[0].id}",
            kind=ActionKind.SEND_EMAIL,
            target_type="contact",
            target_id=contact_id,
            to_email=top.email,
            subject=subject,
            body=f"{_greeting(top.name)}\n\n{text}\n\nBest regards",
            reason=f"opportunity signal: {top.kind} ({top.strength:.1f})",
            priority=70 + round(top.strength * 10),
            signal_ids=tuple(s.id for s in sigs),
        )
