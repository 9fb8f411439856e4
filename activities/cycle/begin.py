"""The start of a cycle in one step: ``begin_cycle`` (issue 17; workflows/cycle/begin.py)."""

from __future__ import annotations

from temporalio import activity

from activities.cycle.context import ContextActivities
from activities.cycle.run import RunActivities
from activities.operations import permanent_db_errors
from schema.db import tenant_transaction
from workflows.cycle.messages import StartRunInput
from workflows.cycle.start import CycleStart


class BeginActivities(RunActivities, ContextActivities):
    @activity.defn(name="begin_cycle")
    def begin_cycle(self, inp: StartRunInput) -> CycleStart:
        """``start_run``, then, unless the run is skipped (the tenant lock) or switched off,
        ``gather_context``, in ONE transaction: the run's claim commits with the context's own
        claims (quotes and deals) as the step ends. Returns the run start and what of the
        context the workflow needs (:meth:`CycleStart.of`). A failure rolls the claim back with
        everything else; the workflow then reads the run with ``start_run`` and fails the run."""
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            run = self._start_in(s, inp)
            if run.skipped_reason or not run.switches.enabled:
                return CycleStart(run=run)  # committed as the block ends
            return CycleStart.of(run, self._context_in(s, inp))
