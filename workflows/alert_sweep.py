"""The hourly alert sweep (issue 17 Build 6; seed 004 "Alerts to Configure", P0.7.3), id
``alert-sweep`` (a platform workflow; its Temporal Schedule ``alert-sweep`` starts it every
``agent.alert_sweep_every_s``, hourly, overlap SKIP).

The alert rules used to run at the end of every tenant cycle (eight counting queries per cycle);
they are hourly figures, so they now run once an hour for every enabled tenant, off the cycle's
path. Each ``evaluate_alerts`` call covers one page of ``agent.alert_sweep_page`` tenants after
``after`` (tenant id order) and raises what the rules find, at most one alert per kind, scope and
hour (the insert is keyed on them, so a retried page raises nothing twice). At most
:data:`MAX_PAGES` calls per run.

Each page's tenants with new alerts get them delivered at once (patch :data:`DELIVER_PATCH`):
:func:`workflows.cycle.deliver.deliver_tenant_alerts`, the cycle's own step (operators' emails
through the outbox, the Notify ``alert.raised`` webhooks, then ``notified_at``), so the tenant's
next cycle finds nothing left to send. A tenant whose delivery fails keeps its alerts
undelivered: its next cycle (or the next sweep) sends them, and the sweep goes on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from core import queues
    from workflows import retry
    from workflows.cycle.deliver import deliver_tenant_alerts

MAX_PAGES = 1000
DELIVER_PATCH = "sweep-delivers-alerts"
EMAIL_TIMEOUT_S = 60


@dataclass(frozen=True)
class AlertPage:
    """The tenants after ``after`` (exclusive, id order)."""

    after: str = ""


@dataclass(frozen=True)
class AlertPageResult:
    """One page: tenants ``evaluated``, alerts ``raised`` (new ones), the ``last`` tenant id read,
    whether ``more`` may follow (a full page), and the tenants ``alerted`` (with new alerts)."""

    evaluated: int
    raised: int
    last: str
    more: bool
    alerted: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AlertSweepResult:
    tenants: int
    raised: int
    pages: int
    delivered: int = 0
    """Alerts delivered by the sweep itself."""


@workflow.defn(name="AlertSweep")
class AlertSweepWorkflow:
    @workflow.run
    async def run(self) -> AlertSweepResult:
        tenants = raised = pages = delivered = 0
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
            if page.alerted and workflow.patched(DELIVER_PATCH):
                sent = await asyncio.gather(*(_deliver(t) for t in page.alerted))
                delivered += sum(sent)
            after = page.last
            if not page.more:
                break
        return AlertSweepResult(tenants=tenants, raised=raised, pages=pages, delivered=delivered)


async def _deliver(tenant_id: str) -> int:
    """The tenant's undelivered alerts, now; 0 (left to its next cycle) when delivery fails."""
    try:
        return await deliver_tenant_alerts(tenant_id, queues.MESSAGING, EMAIL_TIMEOUT_S)
    except (ActivityError, ChildWorkflowError) as e:
        workflow.logger.warning(
            "alert delivery left to the cycle", extra={"tenant": tenant_id, "error": str(e)}
        )
        return 0
