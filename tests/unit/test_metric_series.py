"""The seed's metrics leave through the Temporal runtime's own Prometheus exporter (issue 17
Build 3): :func:`activities.cycle.series.record` on a runtime built by
:func:`core.telemetry.temporal_runtime`, scraped over HTTP like Prometheus does."""

from __future__ import annotations

import socket
import time
import urllib.request
from datetime import UTC, datetime

from activities.cycle.series import COUNTERS, GAUGES, P, record
from core.observability_settings import ObservabilitySettings
from core.telemetry import temporal_runtime
from workflows.cycle.alerts import AlertInputs
from workflows.cycle.messages import ReflectInput


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape(port: int) -> dict[str, float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()  # noqa: S310
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(P) and 'tenant="acme"' in line:
            name, value = line.split("{")[0], float(line.rsplit(" ", 1)[1])
            out[name] = value
    return out


def test_a_cycle_is_counted_and_its_alert_inputs_are_gauges() -> None:
    port = free_port()
    runtime = temporal_runtime(ObservabilitySettings(metrics_port=port, metrics_bind="127.0.0.1"))
    assert runtime is not None
    r = ReflectInput(
        run_id="cycle-acme-2026120612",
        tenant_id="acme",
        hour="2026120612",
        status="completed",
        planner="rules",
        planned=5,
        executed=3,
        blocked=2,
        deferred=0,
        started_at=datetime(2026, 12, 6, 12, tzinfo=UTC),
    )
    inputs = AlertInputs(scope="acme", contacts=10, compliance_rate=72.5, policy_blocks_1h=11)
    record(runtime.metric_meter, r, inputs)
    record(runtime.metric_meter, r.model_copy(update={"status": "failed", "planned": 1}), inputs)
    got: dict[str, float] = {}
    for _ in range(50):
        got = scrape(port)
        if len(got) >= len(GAUGES):
            break
        time.sleep(0.1)
    assert got[P + "cycles_completed_total"] == 1
    assert got[P + "cycles_failed_total"] == 1
    assert got[P + "actions_planned_total"] == 6
    assert got[P + "actions_blocked_total"] == 4
    assert got[P + "engagement_compliance_rate"] == 72.5
    assert got[P + "policy_blocks_1h"] == 11
    assert {P + n for n in GAUGES} <= set(got)
    assert {P + n + "_total" for n in COUNTERS} <= set(got)


def test_no_port_means_the_sdk_default_runtime() -> None:
    assert temporal_runtime(ObservabilitySettings()) is None
