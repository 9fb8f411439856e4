"""The hourly alert sweep (issue 17 Build 6; seed 004 "Alerts to Configure", P0.7.3), id
``alert-sweep`` (a platform workflow; its Temporal Schedule ``alert-sweep`` starts it every
``agent.alert_sweep_every_s``, hourly, overlap SKIP).

The alert rules used to run at the end of every tenant cycle (eight counting queries per cycle);
they are hourly figures, so they now run once an hour for every enabled tenant, off the cycle's
path. Each ``evaluate_alerts`` call covers one page of ``agent.alert_sweep_page`` tenants after
``after`` (tenant id order) and raises what the rules find, at most one alert per kind, scope and
hour (the insert is keyed on them, so a retried page raises nothing twice). At most
:data:`MAX_PAGES` calls per run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core import queues
    from workflows import retry

MAX_PAGES = 1000


@dataclass(frozen=True)
class AlertPage:
    """The tenants after ``after`` (exclusive, id order)."""

    after: str = ""


@dataclass(frozen=True)
class AlertPageResult:
    """One page: tenants ``evaluated``, alerts ``raised`` (new ones), the ``last`` tenant id read,
    and whether ``more`` may follow (a full page)."""

    evaluated: int
    raised: int
    last: str
    more: bool


@dataclass(frozen=True)
class AlertSweepResult:
    tenants: int
    raised: int
    pages: int


@workflow.defn(name="AlertSweep")
class AlertSweepWorkflow:
    @workflow.run
    async def run(self) -> AlertSweepResult:
        tenants = raised = pages = 0
        after = ""
        while pages < MAX_PAGES:
            page: AlertPageResult = await workflow.execute_activity(
                "evaluate_alerts",
                AlertPage(after=after),
                task_queue=queues.AGENT,
                result_type=AlertPageResult,
                start_to_close_timeout=timedelta(minutes=10),
                heartbeat_timeout=timedelta(seconds=60),
                retry_policy=retry.PATIENT,  # Postgres down: wait it out
            )
            tenants, raised, pages = tenants + page.evaluated, raised + page.raised, pages + 1
            after = page.last
            if not page.more:
                break
        return AlertSweepResult(tenants=tenants, raised=raised, pages=pages)
