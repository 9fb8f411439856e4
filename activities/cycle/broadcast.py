"""Broadcast batches (seed 004 P1.2): ``prepare_broadcast`` and ``record_broadcast``."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from temporalio import activity

from activities.cycle.base import CycleBase
from activities.operations import permanent_db_errors
from schema.db import tenant_transaction
from schema.repositories import actions, broadcasts, engagement, guard, suppression
from workflows.cycle.messages import (
    ActionOutcome,
    BroadcastBatch,
    BroadcastRecordInput,
    BroadcastSend,
    PerformInput,
)


class BroadcastActivities(CycleBase):
    @activity.defn(name="prepare_broadcast")
    def prepare_broadcast(self, inp: PerformInput) -> BroadcastBatch:
        """The next batch of a due campaign: pending contacts, at most ``batch_size`` and only as
        many as the hour's email quota allows (each reserved here). Suppressed contacts are skipped."""
        t, cid = inp.tenant_id, inp.action.target_id
        with permanent_db_errors(), tenant_transaction(self._engine, t) as s:
            camp = broadcasts.start_campaign(s, t, cid)
            if camp is None:
                return BroadcastBatch(campaign_id=cid, subject="", body="")
            rows = broadcasts.pending(s, cid, min(camp.batch_size, self._s.agent.fanout_batch * 10))
            cap = self._caps(s, t)["email"]
            sends, deferred = [], 0
            for st, c in rows:
                reason = None if c.email else "no email address"
                if c.email and suppression.reason(s, t, c.email):
                    reason = "suppressed"
                if reason:
                    broadcasts.skip(s, st.id, reason, datetime.now(UTC))
                    continue
                if not guard.reserve(s, t, "email", inp.hour, cap):
                    deferred += 1
                    continue
                sends.append(
                    BroadcastSend(contact_id=c.id, key=f"{t}:broadcast:{cid}:{c.id}", to_email=c.email)
                )
            s.commit()
            return BroadcastBatch(
                campaign_id=cid, subject=camp.subject, body=camp.body, sends=tuple(sends), deferred=deferred
            )

    @activity.defn(name="record_broadcast")
    def record_broadcast(self, inp: BroadcastRecordInput) -> ActionOutcome:
        """Per-contact delivery status (a sent one touches the contact's clock); the campaign
        completes when nobody is pending."""
        now = datetime.now(UTC)
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            for r in inp.results:
                broadcasts.set_status(s, inp.campaign_id, r.contact_id, r.status, r.key, now)
                if r.status == "sent":
                    engagement.touch(s, inp.tenant_id, r.contact_id, now, "broadcast", "agent")
            pending = broadcasts.complete_if_done(s, inp.campaign_id, now)
            counts = Counter(r.status for r in inp.results)
            out = ActionOutcome(
                outcome="batch_sent", detail={**counts, "deferred": inp.deferred, "pending": pending}
            )
            actions.record(s, inp.run_id, inp.tenant_id, inp.action, None, out.outcome, dict(out.detail))
            s.commit()
            return out
