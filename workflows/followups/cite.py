"""What each email writer looks up in the tenant's documents (issue 14 Build 6, seed 004 P1.1):
pure :class:`~workflows.citations.CiteRequest` builders, one per writer.

- quote follow-ups: the tenant's bid templates, by the quote's title (seed 004 P1.5);
- service recovery after negative feedback: the tenant's SOPs, by the client's own words
  (first 300 characters, seed 004 P0.5 feedback);
- compliance reminders: SOPs and contracts about the missing fields (seed 004 P1.7).
"""

from __future__ import annotations

from collections.abc import Sequence

from workflows.citations import CiteRequest


def quote_cite(title: str | None) -> CiteRequest:
    """One bid-template passage about the quote (its title, else pricing and validity terms)."""
    topic = (title or "").strip()
    return CiteRequest(
        query=f"{topic} pricing terms"[:300] if topic else "quote pricing terms validity",
        categories=("bid_template",),
    )


def recovery_cite(response: str) -> CiteRequest:
    """One SOP passage matching the client's complaint."""
    words = " ".join(response.split())[:300]
    return CiteRequest(query=words or "service recovery complaint", categories=("sop",))


def compliance_cite(missing: Sequence[str]) -> CiteRequest:
    """One SOP or contract passage about the missing profile fields."""
    fields = " ".join(f.replace("_", " ") for f in missing)
    return CiteRequest(query=f"compliance {fields}"[:300], categories=("sop", "contract"))
