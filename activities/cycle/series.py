"""The seed's metrics as Prometheus series (issue 17 Build 3; seed 004 "Metrics to Track").

Recorded by ``reflect`` (counters) and the alert sweep (gauges) through
``activity.metric_meter()``, so they leave through the worker runtime's own Prometheus exporter
(``observability.metrics_port``, core/telemetry.py) beside the SDK's ``temporal_*`` metrics.
Every series carries a ``tenant`` label.

- Counters, one increment per cycle (seed names, ``.`` -> ``_``, prefix ``omniops_``):
  ``omniops_agent_cycles_completed_total``, ``..._cycles_failed_total``,
  ``..._actions_planned_total``, ``..._actions_executed_total``, ``..._actions_blocked_total``.
- Gauges, the alert rules' inputs as the hourly alert sweep measured them
  (:class:`AlertInputs`, windows in the name): see :data:`GAUGES`.
  deploy/prometheus/rules.yaml applies workflows/cycle/alerts.py's thresholds to them.
"""

from __future__ import annotations

from collections.abc import Callable

from temporalio import activity
from temporalio.common import MetricMeter

from workflows.cycle.alerts import AlertInputs
from workflows.cycle.messages import ReflectInput

P = "omniops_agent_"
COUNTERS: dict[str, tuple[str, Callable[[ReflectInput], int]]] = {
    "cycles_completed": (
        "agent.cycles.completed: successful hourly cycles",
        lambda r: r.status == "completed",
    ),
    "cycles_failed": ("agent.cycles.failed: failed hourly cycles", lambda r: r.status == "failed"),
    "actions_planned": ("agent.actions.planned: actions generated", lambda r: r.planned),
    "actions_executed": ("agent.actions.executed: actions executed", lambda r: r.executed),
    "actions_blocked": ("agent.actions.blocked: actions blocked by policy", lambda r: r.blocked),
}
GAUGES: dict[str, tuple[str, str, Callable[[AlertInputs], float]]] = {
    "engagement_compliance_rate": (
        "agent.engagement.compliance_rate: % contacts within 21 days",
        "percent",
        lambda i: i.compliance_rate,
    ),
    "engagement_contacts": ("contacts with an engagement clock", "1", lambda i: i.contacts),
    "orders_processed_24h": (
        "agent.orders.processed in the last 24 h",
        "1",
        lambda i: i.orders_processed_24h,
    ),
    "orders_exceptions_24h": (
        "agent.orders.exceptions in the last 24 h",
        "1",
        lambda i: i.order_exceptions_24h,
    ),
    "cycles_finished_24h": ("cycles finished in the last 24 h", "1", lambda i: i.cycles_finished_24h),
    "cycles_failed_24h": ("cycles failed in the last 24 h", "1", lambda i: i.cycles_failed_24h),
    "cycle_longest_running_seconds": (
        "age of the tenant's oldest running cycle",
        "s",
        lambda i: i.longest_running_s,
    ),
    "policy_blocks_1h": ("actions blocked by policy in the last hour", "1", lambda i: i.policy_blocks_1h),
    "email_provider_failures_15m": (
        "SMTP failures in the last 15 min",
        "1",
        lambda i: i.provider_failures_15m,
    ),
    "emails_sent_1h": ("emails sent in the last hour", "1", lambda i: i.emails_sent_1h),
    "emails_hourly_avg_24h": (
        "hourly average of emails sent in the 23 h before the last one",
        "1",
        lambda i: i.emails_hourly_avg_24h,
    ),
}


def record(meter: MetricMeter, r: ReflectInput, inputs: AlertInputs | None) -> None:
    """Add one cycle's counts and set the tenant's gauges (``inputs`` None: counters only)."""
    attrs = {"tenant": r.tenant_id}
    for name, (desc, value) in COUNTERS.items():
        n = int(value(r))
        if n:
            meter.create_counter(P + name, desc).add(n, attrs)
    if inputs is not None:
        set_gauges(meter, r.tenant_id, inputs)


def set_gauges(meter: MetricMeter, tenant_id: str, inputs: AlertInputs) -> None:
    """Set ``tenant_id``'s gauges (:data:`GAUGES`) to the alert rules' inputs."""
    for name, (desc, unit, measure) in GAUGES.items():
        meter.create_gauge_float(P + name, desc, unit).set(float(measure(inputs)), {"tenant": tenant_id})


def record_gauges(tenant_id: str, inputs: AlertInputs) -> None:
    """:func:`set_gauges` on the running activity's meter (the hourly alert sweep measures them,
    issue 17 Build 6); nothing outside an activity."""
    if activity.in_activity():
        set_gauges(activity.metric_meter(), tenant_id, inputs)


def record_cycle(r: ReflectInput) -> None:
    """One cycle's counters (:func:`record`) on the running activity's meter; nothing outside an
    activity. The gauges come from the alert sweep (:func:`record_gauges`)."""
    if activity.in_activity():
        record(activity.metric_meter(), r, None)
