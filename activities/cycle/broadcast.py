"""Broadcast batches (seed 004 P1.2): ``prepare_broadcast`` and ``record_broadcast``."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy.orm import Session
from temporalio import activity

from activities.cycle.base import CycleBase
from activities.operations import permanent_db_errors
from schema.business import Contact
from schema.db import tenant_transaction
from schema.repositories import actions, broadcasts, engagement, guard, suppression
from workflows import campaign_templates as templates
from workflows.cycle.messages import (
    ActionOutcome,
    BroadcastBatch,
    BroadcastRecordInput,
    BroadcastSend,
    PerformInput,
)


def _skip_reason(s: Session, tenant_id: str, c: Contact, bad_placeholders: list[str]) -> str | None:
    """Why this contact gets no email from the batch, or None."""
    if not c.email:
        return "no email address"
    if c.archived_at is not None:
        return "contact archived"
    if suppression.reason(s, tenant_id, c.email):
        return "suppressed"
    if bad_placeholders:
        return str(templates.TemplateError(bad_placeholders))
    return None


class BroadcastActivities(CycleBase):
    @activity.defn(name="prepare_broadcast")
    def prepare_broadcast(self, inp: PerformInput) -> BroadcastBatch:
        """The next batch of a due campaign: pending contacts, at most ``batch_size`` and only as
        many as the hour's email quota allows (each reserved here), each with the campaign's
        subject and body rendered for it (:mod:`workflows.campaign_templates`). Contacts that are
        suppressed, archived or without an email are skipped (with the reason); a template with an
        unknown placeholder skips the batch's contacts, naming it (nothing half-rendered goes out)."""
        t, cid = inp.tenant_id, inp.action.target_id
        with permanent_db_errors(), tenant_transaction(self._engine, t) as s:
            camp = broadcasts.start_campaign(s, t, cid)
            if camp is None:
                return BroadcastBatch(campaign_id=cid, subject="", body="")
            rows = broadcasts.pending(s, cid, min(camp.batch_size, self._s.agent.fanout_batch * 10))
            cap = self._caps(s, t)["email"]
            bad = templates.unknown(camp.subject) + templates.unknown(camp.body)
            sends, deferred, now = [], 0, datetime.now(UTC)
            for st, c, account in rows:
                reason = _skip_reason(s, t, c, bad)
                if reason:
                    broadcasts.skip(s, st.id, reason, now)
                    continue
                if not guard.reserve(s, t, "email", inp.hour, cap):
                    deferred += 1
                    continue
                values = templates.values_for(c.name, account)
                sends.append(
                    BroadcastSend(
                        contact_id=c.id,
                        key=f"{t}:broadcast:{cid}:{c.id}",
                        to_email=c.email or "",
                        subject=templates.render(camp.subject, values),
                        body=templates.render(camp.body, values),
                    )
                )
            s.commit()
            return BroadcastBatch(
                campaign_id=cid, subject=camp.subject, body=camp.body, sends=tuple(sends), deferred=deferred
            )

    @activity.defn(name="record_broadcast")
    def record_broadcast(self, inp: BroadcastRecordInput) -> ActionOutcome:
        """Per-contact delivery status (a sent one touches the contact's clock); the campaign
        completes when nobody is pending; a deferred batch that ran is done."""
        now = datetime.now(UTC)
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            for r in inp.results:
                broadcasts.set_status(s, inp.campaign_id, r.contact_id, r.status, r.key, now)
                if r.status == "sent":
                    engagement.touch(s, inp.tenant_id, r.contact_id, now, "broadcast", "agent")
            pending = broadcasts.complete_if_done(s, inp.campaign_id, now)
            actions.deferred_done(s, inp.tenant_id, inp.action)
            counts = Counter(r.status for r in inp.results)
            out = ActionOutcome(
                outcome="batch_sent", detail={**counts, "deferred": inp.deferred, "pending": pending}
            )
            actions.record(s, inp.run_id, inp.tenant_id, inp.action, None, out.outcome, dict(out.detail))
            s.commit()
            return out
