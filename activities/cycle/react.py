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
from workflows.cycle.messages import ReactInput, ReactSummary


def react_in(s: Session, inp: ReactInput, now: datetime) -> ReactSummary:
    """React's work inside the caller's transaction (``react``, and ``react_and_reflect``)."""
    t = inp.tenant_id
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
    credit = react.credit_failures(s, t, inp.run_id)
    emails = react.email_outcomes(s, inp.run_id)
    return ReactSummary(credit_failures=credit, emails=emails, **counts)


class ReactActivities(CycleBase):
    @activity.defn(name="react")
    def react(self, inp: ReactInput) -> ReactSummary:
        """Ingest outcomes: bounces and opt-outs join the suppression list, replies touch the
        engagement clock, order updates change the order's status (each message once); counts
        the run's credit failures and email outcomes."""
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            summary = react_in(s, inp, datetime.now(UTC))
            s.commit()
        return summary
