"""The AI planner's passages (issue 14 Build 6): one best passage of the tenant's documents per
topic of the hour (:func:`workflows.cycle.topics.passage_topics`), any source type, since the
planner reads them only as untrusted data and they never reach an email from here.
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.logging import get_logger
from schema.repositories import citations
from workflows.citations import Passage
from workflows.cycle.context import CycleContext
from workflows.cycle.topics import passage_topics

log = get_logger("activities.cycle.passages")


def planner_passages(s: Session, tenant_id: str, ctx: CycleContext) -> tuple[Passage, ...]:
    """At most one passage per topic, distinct documents; ``()`` when retrieval fails (the
    cycle goes on without them, logged)."""
    out: list[Passage] = []
    try:
        for topic in passage_topics(ctx):
            for p in citations.passages(s, tenant_id, topic, k=1):
                if p.document_id not in {o.document_id for o in out}:
                    out.append(p)
    except (SQLAlchemyError, OSError, ValueError) as e:
        log.warning("planner passages skipped", tenant_id=tenant_id, error=type(e).__name__)
        return ()
    return tuple(out)
