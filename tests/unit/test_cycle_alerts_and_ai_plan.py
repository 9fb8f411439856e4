"""Alert thresholds (seed 004 "Alerts to Configure") and the AI planner's answer handling."""

from __future__ import annotations

from activities.planner import _redacted, from_tool_input
from workflows.cycle.alerts import AlertInputs, evaluate_alerts
from workflows.cycle.context import CycleContext, DealItem, TouchCandidate


def kinds(**figures: object) -> list[str]:
    return [a.kind for a in evaluate_alerts(AlertInputs(scope="t", **figures))]  # type: ignore[arg-type]


def test_cycle_failure_rate_alerts_above_20_percent_only() -> None:
    assert kinds(cycles_finished_24h=10, cycles_failed_24h=2) == []
    assert kinds(cycles_finished_24h=10, cycles_failed_24h=3) == ["cycle_failure_rate"]


def test_lock_contention_alerts_after_an_hour() -> None:
    assert kinds(longest_running_s=3600) == []
    assert kinds(longest_running_s=3601) == ["lock_contention"]


def test_policy_violation_spike_at_the_configured_count() -> None:
    assert kinds(policy_blocks_1h=9) == []
    assert kinds(policy_blocks_1h=10) == ["policy_violation_spike"]
    assert kinds(policy_blocks_1h=3, violation_spike=3) == ["policy_violation_spike"]


def test_engagement_compliance_below_80_percent_with_contacts() -> None:
    assert kinds(contacts=10, compliance_rate=80.0) == []
    assert kinds(contacts=10, compliance_rate=79.9) == ["engagement_compliance"]
    assert kinds(contacts=0, compliance_rate=0.0) == []


def test_order_exception_rate_above_10_percent() -> None:
    assert kinds(orders_processed_24h=10, order_exceptions_24h=1) == []
    assert kinds(orders_processed_24h=10, order_exceptions_24h=2) == ["order_exception_rate"]


def test_provider_failures_and_volume_spike() -> None:
    assert kinds(provider_failures_15m=5) == ["email_provider_failures"]
    assert kinds(emails_sent_1h=20, emails_hourly_avg_24h=10.0) == ["email_volume_spike"]
    assert kinds(emails_sent_1h=8, emails_hourly_avg_24h=2.0) == []  # below 10 a spike is noise


CTX = CycleContext(
    tenant_id="t",
    hour="2026112122",
    touch_candidates=(TouchCandidate(contact_id="c1", email="c1@example.test", days_overdue=3),),
    stalled_deals=(
        DealItem(id="d1", title="Big deal", stage="proposal", contact_id="c2", email="c2@example.test"),
    ),
)


def test_ai_actions_get_recipients_from_the_context_never_from_the_model() -> None:
    raw = {
        "actions": [
            {
                "kind": "send_email",
                "target_type": "contact",
                "target_id": "c1",
                "reason": "overdue",
                "to_email": "attacker@evil.test",
            },
            {"kind": "follow_up", "target_type": "deal", "target_id": "d1", "reason": "stalled"},
            {"kind": "send_email", "target_type": "contact", "target_id": "unknown", "reason": "?"},
        ]
    }
    actions, problems = from_tool_input(CTX, raw)
    assert problems == []
    assert [(a.target_id, a.to_email, a.origin) for a in actions] == [
        ("c1", "c1@example.test", "ai"),
        ("d1", "c2@example.test", "ai"),
        ("unknown", None, "ai"),
    ]
    assert actions[0].key == "t:2026112122:ai:send_email:contact:c1"


def test_malformed_ai_actions_are_dropped_with_a_reason() -> None:
    actions, problems = from_tool_input(
        CTX,
        {
            "actions": [
                {"kind": "wire_money", "target_type": "tenant", "target_id": "t", "reason": "x"},
                "nope",
            ]
        },
    )
    assert actions == [] and len(problems) == 2 and "kind" in problems[0]
    assert from_tool_input(CTX, {"no": "actions"}) == ([], ["answer has no actions list"])


def test_the_model_sees_no_email_address() -> None:
    assert "@" not in str(_redacted(CTX))
