"""Pure rules of the follow-ups: sentiment keywords, quote urgency, deal stage defaults."""

from __future__ import annotations

import re

DEFAULT_STAGE_DAYS: dict[str, tuple[int, int]] = {
    "lead": (7, 3),
    "qualified": (10, 3),
    "proposal": (7, 3),
    "negotiation": (5, 2),
}
"""(stalled after, follow up every) in days per stage; the seed's ``initializeStageConfig`` sets
per-stage defaults without publishing them, so these are ours. Unknown stages use ``FALLBACK``."""
FALLBACK_STAGE_DAYS = (14, 3)

NEGATIVE = re.compile(
    r"\b(disappoint\w*|terrible|awful|poor|bad|worst|unhappy|angry|late|delay\w*|mistake\w*|error\w*|"
    r"wrong|rude|never again|not (?:happy|satisfied|good)|complain\w*|refund|unacceptable)\b",
    re.IGNORECASE,
)
POSITIVE = re.compile(
    r"\b(great|excellent|happy|satisfied|thank\w*|love\w*|perfect|fast|quick|amazing|good|recommend\w*|"
    r"pleased|wonderful)\b",
    re.IGNORECASE,
)


def keyword_sentiment(text: str) -> str:
    """positive, neutral or negative by keyword counts (the fallback when no AI answers;
    seed 004 P1.3 ``analyzeFeedbackResponse`` is keyword-based). Negatives weigh double."""
    neg = len(NEGATIVE.findall(text or ""))
    pos = len(POSITIVE.findall(text or ""))
    if neg * 2 > pos and neg:
        return "negative"
    if pos > 0:
        return "positive"
    return "neutral"


URGENCY = ("gentle", "reminder", "important", "final")


def quote_follow_up(n: int, amount: float | None) -> tuple[str, str]:
    """Subject and body of follow-up ``n`` (1-based) with escalating urgency (seed 004 P1.5)."""
    level = URGENCY[min(n, len(URGENCY)) - 1]
    price = f" for ${amount:,.2f}" if amount else ""
    subjects = {
        "gentle": "Following up on your quote",
        "reminder": "A reminder about your quote",
        "important": "Your quote needs a decision soon",
        "final": "Final notice: your quote is about to expire",
    }
    bodies = {
        "gentle": f"Hello, just checking whether you had a chance to look at our quote{price}.",
        "reminder": f"Hello, a quick reminder about our quote{price}. Happy to answer any questions.",
        "important": f"Hello, our quote{price} will expire soon. Could you let us know your decision?",
        "final": f"Hello, this is our last reminder: the quote{price} expires in a few days.",
    }
    return subjects[level], bodies[level]


def with_view_link(body: str, view_url: str | None) -> str:
    """``body`` followed by the quote's tracked link on its own line (issue 12, Build 5); the
    body unchanged without a link."""
    return f"{body}\n\nView your quote: {view_url}" if view_url else body


def deal_follow_up(n: int, title: str, escalate_after: int) -> tuple[str, str, str]:
    """Subject, body and priority of deal follow-up ``n``; priority is high after ``escalate_after``."""
    priority = "high" if n > escalate_after else "normal"
    subject = f"Next steps on {title}" if priority == "normal" else f"Can we move {title} forward?"
    body = (
        f"Hello, following up on {title}. What would be a good next step on your side?"
        if priority == "normal"
        else f"Hello, we have not heard back on {title} for a while. Is it still a priority for you?"
    )
    return subject, body, priority
