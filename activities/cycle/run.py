"""The run record and the fan-out's tenant pages: ``start_run``, ``list_enabled_tenants``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session
from temporalio import activity

from activities.cycle.base import CycleBase
from activities.operations import permanent_db_errors
from core.logging import get_logger
from schema.db import platform_transaction, tenant_transaction
from schema.repositories import run_record
from workflows.cycle.messages import RunStart, StartRunInput, TenantPage

log = get_logger("activities.cycle")
LOCKED = "tenant lock:"
"""How a run skipped for the lock begins its recorded reason."""


class RunActivities(CycleBase):
    @activity.defn(name="start_run")
    def start_run(self, inp: StartRunInput) -> RunStart:
        """Claim the tenant's one running cycle and read the kill switches (seed 004 P0.6).

        Inserts the ``agent_autonomous_runs`` row as ``running`` (idempotent on the run id). If
        another run of the tenant is running (the partial unique index ``uq_run_running_tenant``),
        this run is recorded ``skipped`` and ``skipped_reason`` names the holder; a holder
        started more than ``agent.run_stale_after_s`` ago is marked failed and taken over.
        Returns the cycle number and the switches.
        """
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            return self._start_in(s, inp)

    def _start_in(self, s: Session, inp: StartRunInput) -> RunStart:
        """``start_run``'s work in the caller's unit of work (``start_run``, ``begin_cycle``),
        switches read in the same transaction; the caller commits the claim (or the skip)."""
        existing = run_record.get_run(s, inp.run_id)
        if existing is not None:
            err = existing.error or ""
            skipped = err if existing.status == "skipped" and err.startswith(LOCKED) else None
            return RunStart(
                cycle_number=existing.cycle_number,
                switches=self._switches(s, inp.tenant_id),
                skipped_reason=skipped,
            )
        now = datetime.now(UTC)
        for _ in range(3):  # the holder may finish (or be taken over) between the two statements
            n = run_record.claim_run(s, inp.run_id, inp.tenant_id, inp.hour, inp.trigger, now)
            if n is not None:
                s.info[self.FRESH_RUN_KEY] = inp.run_id  # no earlier claim of quotes or deals
                return RunStart(cycle_number=n, switches=self._switches(s, inp.tenant_id))
            holder = run_record.running_holder(s, inp.tenant_id)
            if holder is None:
                continue
            stale = now - timedelta(seconds=self._s.agent.run_stale_after_s)
            if holder.started_at < stale:
                since = f"{holder.started_at:%Y-%m-%d %H:%M} UTC"
                why = f"abandoned: running since {since}; taken over by {inp.run_id}"
                run_record.abandon(s, holder.id, now, why)
                log.warning("stale cycle taken over", tenant_id=inp.tenant_id, holder=holder.id)
                continue
            since = f"{holder.started_at:%Y-%m-%d %H:%M:%S} UTC"
            reason = f"{LOCKED} cycle {holder.id} is still running (started {since})"
            n = run_record.record_skipped(s, inp.run_id, inp.tenant_id, inp.hour, inp.trigger, now, reason)
            return RunStart(cycle_number=n, switches=self._switches(s, inp.tenant_id), skipped_reason=reason)
        raise RuntimeError(f"could not claim the run lock of tenant {inp.tenant_id!r}")  # retried

    @activity.defn(name="list_enabled_tenants")
    def list_enabled_tenants(self, inp: TenantPage) -> list[str]:
        """Enabled tenant ids starting with ``prefix``, after ``after`` in id order, at most ``limit``."""
        with platform_transaction(self._engine, "cycle fan-out: enabled tenants") as s:
            return run_record.enabled_tenants(s, inp.after, inp.limit, inp.prefix)
