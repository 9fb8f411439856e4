"""What the hour is about, as document-search topics for the AI planner's passages (issue 14
Build 6): pure, from the cycle context.

Topics, in order, at most :data:`MAX_PASSAGES`: the clients' explicit requests (subject and the
start of the message), then the quotes and deals the cycle hands to follow-up workflows (their
titles). No topic, no passages: the planner is not handed documents nobody asked about.
"""

from __future__ import annotations

from workflows.cycle.context import CycleContext
from workflows.followups.models import DealInput

MAX_PASSAGES = 3
"""Passages per cycle, one per topic (bounded prompt; issue 14 Build 6)."""


def passage_topics(ctx: CycleContext) -> list[str]:
    """Up to :data:`MAX_PASSAGES` distinct search queries (each at most 300 characters)."""
    topics: list[str] = []
    for r in ctx.client_requests:
        topics.append(f"{r.subject} {r.excerpt[:200]}")
    topics += [q.title for q in ctx.quote_follow_ups if q.title]
    untitled = DealInput.model_fields["title"].default
    topics += [d.title for d in ctx.deal_follow_ups if d.title and d.title != untitled]
    out: list[str] = []
    for t in topics:
        q = " ".join(t.split())[:300]
        if q and q.lower() not in {o.lower() for o in out}:
            out.append(q)
        if len(out) == MAX_PASSAGES:
            break
    return out
