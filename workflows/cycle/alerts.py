"""Alert rules over measured figures (seed 004 "Alerts to Configure" and P0.7.3). Pure."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

CYCLE_FAILURE_RATE = 20.0
"""% of the last 24 h's finished cycles that failed (seed: "Cycle failure rate > 20%")."""
LOCK_CONTENTION_S = 3600
"""A cycle still running after an hour holds its tenant's lock too long (seed: "> 1 hour")."""
COMPLIANCE_MIN = 80.0
"""% of contacts inside their 21-day window (seed: "Engagement compliance < 80%")."""
ORDER_EXCEPTION_RATE = 10.0
"""% of the last 24 h's processed orders with exceptions (seed: "Order exception rate > 10%")."""
PROVIDER_FAILURES_15M = 5
"""SMTP failures in 15 minutes (seed 004 P0.7.3 "5+ in 15 min")."""
VOLUME_SPIKE = 2.0
"""Emails sent this hour vs the hourly average of the previous 24 h (seed: "200%+ of normal")."""


class AlertInputs(BaseModel):
    model_config = ConfigDict(frozen=True)

    scope: str
    """A tenant id or ``global``."""
    cycles_finished_24h: int = 0
    cycles_failed_24h: int = 0
    longest_running_s: float = 0.0
    policy_blocks_1h: int = 0
    violation_spike: int = 10
    contacts: int = 0
    compliance_rate: float = 100.0
    orders_processed_24h: int = 0
    order_exceptions_24h: int = 0
    provider_failures_15m: int = 0
    emails_sent_1h: int = 0
    emails_hourly_avg_24h: float = 0.0


class Alert(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    scope: str
    severity: str
    message: str
    data: dict[str, float]


def evaluate_alerts(i: AlertInputs) -> list[Alert]:
    """Every alert whose threshold the figures cross; severity ``critical`` or ``warning``."""
    out: list[Alert] = []

    def add(kind: str, severity: str, message: str, **data: float) -> None:
        out.append(Alert(kind=kind, scope=i.scope, severity=severity, message=message, data=data))

    if i.cycles_finished_24h:
        rate = 100.0 * i.cycles_failed_24h / i.cycles_finished_24h
        if rate > CYCLE_FAILURE_RATE:
            add(
                "cycle_failure_rate",
                "critical",
                f"{rate:.0f}% of cycles failed in 24 h (limit 20%)",
                rate=rate,
            )
    if i.longest_running_s > LOCK_CONTENTION_S:
        add(
            "lock_contention",
            "warning",
            f"a cycle has held its tenant lock for {i.longest_running_s / 60:.0f} min",
            seconds=i.longest_running_s,
        )
    if i.policy_blocks_1h >= i.violation_spike:
        add(
            "policy_violation_spike",
            "warning",
            f"{i.policy_blocks_1h} actions blocked in the last hour",
            blocks=i.policy_blocks_1h,
        )
    if i.contacts and i.compliance_rate < COMPLIANCE_MIN:
        add(
            "engagement_compliance",
            "warning",
            f"engagement compliance {i.compliance_rate:.0f}% (minimum 80%)",
            rate=i.compliance_rate,
        )
    if i.orders_processed_24h:
        rate = 100.0 * i.order_exceptions_24h / i.orders_processed_24h
        if rate > ORDER_EXCEPTION_RATE:
            add(
                "order_exception_rate",
                "warning",
                f"{rate:.0f}% of orders had exceptions in 24 h (limit 10%)",
                rate=rate,
            )
    if i.provider_failures_15m >= PROVIDER_FAILURES_15M:
        add(
            "email_provider_failures",
            "critical",
            f"{i.provider_failures_15m} SMTP failures in 15 min",
            failures=i.provider_failures_15m,
        )
    if (
        i.emails_hourly_avg_24h > 0
        and i.emails_sent_1h >= VOLUME_SPIKE * i.emails_hourly_avg_24h
        and i.emails_sent_1h >= 10
    ):
        add(
            "email_volume_spike",
            "warning",
            f"{i.emails_sent_1h} emails this hour, {i.emails_sent_1h / i.emails_hourly_avg_24h:.1f}x normal",
            sent=i.emails_sent_1h,
        )
    return out
