"""Pure rules of the compliance engine (seed 004 P1.7): when schedules run, what a check is
missing, and the reminder and escalation texts.

No I/O and no Temporal client types here: workflow code and activities both import it;
:mod:`api.services.compliance_schedule` turns :func:`calendar_for` into a ``ScheduleCalendarSpec``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

Frequency = Literal["monthly", "quarterly", "semi_annual", "annual"]
TargetType = Literal["clients", "contacts"]
FREQUENCIES: tuple[str, ...] = get_args(Frequency)
TARGET_TYPES: tuple[str, ...] = get_args(TargetType)

KIND_RUN = "compliance_run"
"""The ``Kind`` search attribute of a ComplianceRun."""
KIND_CHECK = "compliance_check"
"""The ``Kind`` search attribute of a ComplianceCheck."""

ENDED = ("completed", "waived")
"""A check ends by completion or waiver (each a signal)."""
OPEN = ("pending", "notified", "overdue", "escalated")
STATUSES = (*OPEN, *ENDED)

CHECKABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "contacts": ("name", "email", "title", "client_id"),
    "clients": ("name", "credit_limit"),
}
"""The entity attributes a schedule may require, by target type (columns of ``contacts`` and
``clients``)."""

_MONTHS: dict[str, tuple[int, ...]] = {
    "monthly": tuple(range(1, 13)),
    "quarterly": (1, 4, 7, 10),
    "semi_annual": (1, 7),
    "annual": (1,),
}


@dataclass(frozen=True)
class Calendar:
    """When a schedule's runs fire: ``day_of_month`` of each of ``months`` at ``hour:minute`` UTC."""

    months: tuple[int, ...]
    day_of_month: int = 1
    hour: int = 0
    minute: int = 0


def calendar_for(frequency: str) -> Calendar:
    """monthly: the 1st of every month; quarterly: Jan, Apr, Jul, Oct 1st; semi_annual: Jan and
    Jul 1st; annual: January 1st; all at 00:00 UTC. ValueError for another frequency."""
    try:
        return Calendar(months=_MONTHS[frequency])
    except KeyError:
        raise ValueError(f"unknown frequency {frequency!r}; use one of {', '.join(FREQUENCIES)}") from None


def invalid_fields(target_type: str, required: list[str]) -> list[str]:
    """Required field names that are no attribute of the target type's rows."""
    allowed = CHECKABLE_FIELDS.get(target_type, ())
    return [f for f in required if f not in allowed]


def is_missing(value: Any) -> bool:
    """None, or a blank string (a zero credit limit is a value, not missing)."""
    if value is None:
        return True
    return isinstance(value, str) and not value.strip()


def missing_fields(entity: dict[str, Any], required: list[str] | tuple[str, ...]) -> list[str]:
    """The required fields the entity lacks (absent, None or blank), in the order required."""
    seen: set[str] = set()
    out: list[str] = []
    for f in required:
        if f not in seen and is_missing(entity.get(f)):
            out.append(f)
        seen.add(f)
    return out


def check_id(schedule_id: str, entity_id: str, run_date: str) -> str:
    """The check's id: the same schedule, entity and scheduled date always give the same id, so a
    retried or re-triggered run on the same day creates no duplicate."""
    return hashlib.sha256(f"{schedule_id}|{entity_id}|{run_date}".encode()).hexdigest()[:32]


def reminder_key(check: str) -> str:
    """The outbox idempotency key of a check's reminder (exactly one email per check)."""
    return f"compliance:{check}:reminder"


def escalation_key(check: str) -> str:
    """The ``agent_tasks.action_key`` of a check's escalation task (one per check)."""
    return f"compliance:{check}:escalate"


def _label(field: str) -> str:
    return field.replace("_", " ")


def reminder_text(
    entity_name: str, missing: list[str] | tuple[str, ...], due_at: datetime
) -> tuple[str, str]:
    """Subject and body of the reminder sent when the check finds missing fields."""
    fields = ", ".join(_label(f) for f in missing)
    who = entity_name.strip() or "your profile"
    subject = f"Action needed: please update {who} by {due_at:%B %d, %Y}"
    body = (
        f"Hello,\n\nOur periodic compliance review of {who} is due on {due_at:%B %d, %Y} "
        f"and the following information is missing: {fields}.\n\n"
        "Please reply with the missing details, or update them with your account manager, "
        "before the due date.\n\nThank you."
    )
    return subject, body


def escalation_title(entity_type: str, entity_name: str, missing: list[str] | tuple[str, ...]) -> str:
    """The manager's task title when a check is still open ``escalate_after_days`` after its due date."""
    what = entity_type.rstrip("s")
    who = entity_name.strip() or "unnamed"
    gap = f": missing {', '.join(_label(f) for f in missing)}" if missing else ""
    return f"Overdue compliance check for {what} {who}{gap}"[:300]
