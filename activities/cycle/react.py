"""React (seed 004 "React"): ``react`` ingests the hour's outcomes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy.orm import Session
from temporalio import activity

from activities.cycle.base import CycleBase
from activities.operations import permanent_db_errors
from schema.db import tenant_transaction
from schema.repositories import engagement, react, suppression
from schema.repositories.close_reads import CloseReads, close_reads
from workflows.cycle.messages import ReactInput, ReactSummary


def react_in(s: Session, tenant_id: str, run_id: str, now: datetime) -> tuple[ReactSummary, CloseReads]:
    """React's work inside the caller's transaction (``react``, and ``react_and_reflect``): its
    writes (:func:`ingest`), then the run's reads in one round trip (``close_reads``: the credit
    failures and email outcomes React reports, and what Reflect compares)."""
    counts = ingest(s, tenant_id, now)
    reads = close_reads(s, tenant_id, run_id, now)
    return ReactSummary(credit_failures=reads.credit_failures, emails=reads.emails, **counts), reads


def ingest(s: Session, t: str, now: datetime) -> Counter[str]:
    """React's writes for tenant ``t``, each unprocessed message once; returns the counts by kind
    (bounces, opt_outs, replies, order_updates)."""
    counts: Counter[str] = Counter()
    done: list[str] = []
    for m in react.unprocessed(s, t):
        related = m.related or {}
        if m.kind in ("bounce", "opt_out"):
            addr = (related.get("recipient") or m.from_email).strip().lower()
            suppression.suppress(s, t, addr, "bounce" if m.kind == "bounce" else "opt_out", m.message_id, now)
            counts["bounces" if m.kind == "bounce" else "opt_outs"] += 1
        elif m.kind == "reply":
            contact = engagement.contact_by_email(s, t, m.from_email)
            if contact is not None:
                engagement.touch(s, t, contact.id, m.received_at, "reply", contact.email or "")
            counts["replies"] += 1
        elif m.kind == "order_update" and related.get("order_id"):
            react.update_order_status(s, t, related["order_id"], str(related.get("status", "updated")))
            counts["order_updates"] += 1
        done.append(m.id)
    react.mark_processed(s, done, now)  # each message once, in one statement
    return counts


class ReactActivities(CycleBase):
    @activity.defn(name="react")
    def react(self, inp: ReactInput) -> ReactSummary:
        """Ingest outcomes: bounces and opt-outs join the suppression list, replies touch the
        engagement clock, order updates change the order's status (each message once); counts
        the run's credit failures and email outcomes."""
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            summary, _ = react_in(s, inp.tenant_id, inp.run_id, datetime.now(UTC))
            s.commit()
        return summary
