"""Pure rules of the compliance engine (seed 004 P1.7): calendars, missing fields, ids, texts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from api.services.compliance_schedule import calendar_spec
from workflows.followups.compliance_rules import (
    calendar_for,
    check_id,
    escalation_title,
    invalid_fields,
    missing_fields,
    reminder_key,
    reminder_text,
)


@pytest.mark.parametrize(
    ("frequency", "months"),
    [
        ("monthly", tuple(range(1, 13))),
        ("quarterly", (1, 4, 7, 10)),
        ("semi_annual", (1, 7)),
        ("annual", (1,)),
    ],
)
def test_each_frequency_runs_on_the_first_of_its_months_at_midnight_utc(
    frequency: str, months: tuple[int, ...]
) -> None:
    cal = calendar_for(frequency)
    assert (cal.months, cal.day_of_month, cal.hour, cal.minute) == (months, 1, 0, 0)
    spec = calendar_spec(frequency)
    assert [r.start for r in spec.month] == list(months)
    assert [(r.start, r.end) for r in spec.day_of_month] == [(1, 1)]
    assert [r.start for r in (*spec.hour, *spec.minute, *spec.second)] == [0, 0, 0]


def test_an_unknown_frequency_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown frequency 'weekly'"):
        calendar_for("weekly")


def test_missing_fields_are_none_absent_or_blank_in_the_order_required() -> None:
    contact = {"name": "Pat Lee", "email": "  ", "title": None}
    assert missing_fields(contact, ["title", "name", "email", "client_id"]) == ["title", "email", "client_id"]
    assert missing_fields(contact, ["name"]) == []
    assert missing_fields(contact, ["email", "email"]) == ["email"]


def test_a_zero_credit_limit_is_a_value_not_missing() -> None:
    assert missing_fields({"name": "Acme", "credit_limit": Decimal("0")}, ["name", "credit_limit"]) == []
    assert missing_fields({"name": "", "credit_limit": None}, ["name", "credit_limit"]) == [
        "name",
        "credit_limit",
    ]


def test_required_fields_must_be_attributes_of_the_target() -> None:
    assert invalid_fields("contacts", ["email", "title", "credit_limit"]) == ["credit_limit"]
    assert invalid_fields("clients", ["name", "credit_limit"]) == []


def test_a_check_id_is_stable_per_schedule_entity_and_date() -> None:
    a = check_id("s1", "e1", "20260101")
    assert a == check_id("s1", "e1", "20260101") and len(a) == 32
    assert len({a, check_id("s1", "e2", "20260101"), check_id("s1", "e1", "20260401")}) == 3
    assert reminder_key(a) == f"compliance:{a}:reminder"


def test_the_reminder_names_the_missing_fields_and_the_due_date() -> None:
    subject, body = reminder_text("Pat Lee", ["title", "client_id"], datetime(2026, 4, 30, tzinfo=UTC))
    assert "Pat Lee" in subject and "April 30, 2026" in subject
    assert "title, client id" in body
    assert (
        escalation_title("contact", "Pat Lee", ["title"])
        == "Overdue compliance check for contact Pat Lee: missing title"
    )


def test_compliance_views_carry_every_column_of_their_rows() -> None:
    from api.schemas.compliance import CheckRow, ScheduleRow
    from schema.business import ComplianceCheck
    from schema.followups import ComplianceSchedule

    assert list(ScheduleRow.model_fields) == list(ComplianceSchedule.model_fields)
    assert list(CheckRow.model_fields) == list(ComplianceCheck.model_fields)
