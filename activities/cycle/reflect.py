"""Reflect (seed 004 "Reflect", "Alerts to Configure"): ``reflect`` closes the run."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session
from temporalio import activity

from activities.cycle import series
from activities.cycle.act import record_email_in
from activities.cycle.base import CycleBase
from activities.cycle.react import react_in
from activities.operations import permanent_db_errors
from schema.db import tenant_transaction
from schema.repositories import alerts, run_record
from schema.repositories.close_reads import CloseReads, close_reads
from workflows.alerts import AlertNotice
from workflows.cycle import reflection
from workflows.cycle.close import CloseResult
from workflows.cycle.messages import ReflectInput


def reflect_in(s: Session, inp: ReflectInput, now: datetime, reads: CloseReads) -> list[AlertNotice]:
    """Reflect's work inside the caller's transaction (``reflect``, and ``react_and_reflect``),
    from the run's ``reads`` (``close_reads``, taken after the hour's writes): returns the
    tenant's undelivered alerts."""
    m, prev, acts = reads.metrics, reads.previous_metrics, list(reads.actions)
    run_record.finish_run(
        s,
        inp.run_id,
        status=inp.status,
        phase="done",
        planner=inp.planner,
        actions_planned=inp.planned,
        actions_executed=inp.executed,
        actions_blocked=inp.blocked,
        actions_deferred=inp.deferred,
        error=inp.error or inp.halted_reason,
        metrics=m,
        completed_at=now,
        duration_ms=int((now - inp.started_at).total_seconds() * 1000),
    )
    if inp.status != "skipped":
        values = {
            "what_changed": {
                "actions": reflection.executed(acts),
                "react": inp.react.model_dump() if inp.react else {},
            },
            "metrics_moved": reflection.metrics_moved(prev, m),
            "blocked": reflection.blocked(acts),
            "next_hour_hints": reflection.hints(inp.halted_reason, m, acts),
        }
        run_record.upsert_reflection(s, inp.run_id, inp.tenant_id, inp.hour, now, values)
    return alerts.undelivered(s, inp.tenant_id, now)


class ReflectActivities(CycleBase):
    @activity.defn(name="reflect")
    def reflect(self, inp: ReflectInput) -> list[AlertNotice]:
        """Finish the run record (releasing the tenant's running-cycle lock) and, unless the run
        was skipped, write the hourly reflection: what changed, which metrics moved since the
        previous run, what was blocked, next-hour hints (:mod:`workflows.cycle.reflection`).
        The alert rules are not evaluated here: the hourly alert sweep does (issue 17 Build 6,
        workflows/alert_sweep.py). Returns the tenant's undelivered alerts with their recipients
        (``alerts.undelivered``, read in the same transaction), so the cycle delivers them without
        an ``alert_notices`` step."""
        now = datetime.now(UTC)
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            if inp.pending_email is not None:  # the last email's outcome, first
                record_email_in(s, inp.pending_email, now)
            notices = reflect_in(s, inp, now, close_reads(s, inp.tenant_id, inp.run_id, now))
            s.commit()
        series.record_cycle(inp)  # the seed's counters (issue 17); gauges: the alert sweep
        return notices

    @activity.defn(name="react_and_reflect")
    def react_and_reflect(self, inp: ReflectInput) -> CloseResult:
        """React, then Reflect with React's summary, in ONE transaction and one local activity
        (issue 17: a cycle's last two DB steps were two round trips through the workflow and two
        units of work). ``inp.react`` is ignored (React fills it). When React fails the whole
        transaction rolls back and the activity fails: the workflow then records the run failed
        with plain ``reflect``, as before the merge."""
        now = datetime.now(UTC)
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            if inp.pending_email is not None:  # the last email's outcome, first
                record_email_in(s, inp.pending_email, now)
            summary, reads = react_in(s, inp.tenant_id, inp.run_id, now)  # its reads serve Reflect too
            done = inp.model_copy(update={"react": summary})
            notices = reflect_in(s, done, now, reads)
            s.commit()
        series.record_cycle(done)
        return CloseResult(react=summary, notices=tuple(notices))
