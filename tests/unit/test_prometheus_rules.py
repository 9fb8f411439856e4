"""Prometheus alerting rules and the Grafana dashboard (issue 17 Build 3): ``promtool check
rules`` validates deploy/prometheus/rules.yaml (built from its Go module by provisioning), each
seed alert of workflows/cycle/alerts.py has a rule with the same threshold, and every series the
rules and the dashboard read is one the code records."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import yaml

from activities.cycle.series import COUNTERS, GAUGES, P
from tests.deploy_tools import tool
from tests.unit.test_deploy_files import need
from workflows.cycle import alerts
from workflows.cycle.alerts import AlertInputs, evaluate_alerts

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules.yaml"
DASHBOARD = ROOT / "deploy" / "grafana" / "omniops.json"
RECORDED = {P + n + "_total" for n in COUNTERS} | {P + n for n in GAUGES}
THRESHOLDS = {
    "cycle_failure_rate": f"> {alerts.CYCLE_FAILURE_RATE:g}",
    "lock_contention": f"> {alerts.LOCK_CONTENTION_S}",
    "policy_violation_spike": ">= 10",
    "engagement_compliance": f"< {alerts.COMPLIANCE_MIN:g}",
    "order_exception_rate": f"> {alerts.ORDER_EXCEPTION_RATE:g}",
    "email_provider_failures": f">= {alerts.PROVIDER_FAILURES_15M}",
    "email_volume_spike": f">= {alerts.VOLUME_SPIKE:g} *",
}


def rules() -> list[dict[str, object]]:
    doc = yaml.safe_load(RULES.read_text())
    return [r for g in doc["groups"] for r in g["rules"]]


def test_promtool_accepts_the_rules() -> None:
    promtool = need("promtool", tool("promtool"))
    r = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"SUCCESS: {len(rules())} rules found" in r.stdout


def test_every_seed_alert_has_a_rule_with_its_threshold() -> None:
    every = AlertInputs(
        scope="t",
        cycles_finished_24h=10,
        cycles_failed_24h=9,
        longest_running_s=99_999,
        policy_blocks_1h=99,
        contacts=10,
        compliance_rate=10,
        orders_processed_24h=10,
        order_exceptions_24h=9,
        provider_failures_15m=9,
        emails_sent_1h=100,
        emails_hourly_avg_24h=1,
    )
    kinds = {a.kind for a in evaluate_alerts(every)}
    assert kinds == set(THRESHOLDS)
    by_kind: dict[str, list[str]] = {}
    for r in rules():
        labels = r.get("labels") or {}
        assert isinstance(labels, dict)
        if "kind" in labels:
            by_kind.setdefault(str(labels["kind"]), []).append(" ".join(str(r["expr"]).split()))
    assert set(by_kind) == kinds
    for kind, exprs in by_kind.items():
        assert all(THRESHOLDS[kind] in e for e in exprs), (kind, exprs)


def test_rules_and_dashboard_read_only_recorded_series() -> None:
    exprs = [str(r["expr"]) for r in rules()]
    board = json.loads(DASHBOARD.read_text())
    exprs += [t["expr"] for p in board["panels"] for t in p["targets"]]
    exprs.append(board["templating"]["list"][1]["query"])
    used = set().union(*(set(re.findall(r"\bomniops_agent_[a-z0-9_]+", e)) for e in exprs))
    assert used and used <= RECORDED, used - RECORDED
    assert any(e for e in exprs if "omniops_api_requests_total" in e)
    assert any(e for e in exprs if "temporal_" in e)
