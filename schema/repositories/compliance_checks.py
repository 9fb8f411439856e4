"""Writes of the compliance workflows (seed 004 P1.7) over ``compliance_checks`` and the
manager's ``agent_tasks``. Session-style; the caller commits.

Idempotent: check ids are derived from schedule, entity and the run's scheduled date (insert …
on conflict do nothing); status updates never touch an ended check; the manager's task is
unique on its action key. Times written are the workflow's (``inp.at``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import AgentTask
from schema.business import Client, ComplianceCheck, Contact
from schema.followups import ComplianceSchedule
from workflows.followups.compliance_models import (
    CloseInput,
    EscalateInput,
    EscalateResult,
    MarkInput,
    ValidateInput,
    ValidateResult,
)
from workflows.followups.compliance_rules import (
    ENDED,
    check_id,
    escalation_key,
    escalation_title,
    missing_fields,
)


def _entity_row(s: Session, tenant_id: str, entity_type: str, entity_id: str) -> Contact | Client | None:
    row = s.get(Contact, entity_id) if entity_type == "contact" else s.get(Client, entity_id)
    return row if row is not None and row.tenant_id == tenant_id else None


def first_emails(s: Session, tenant_id: str, client_ids: list[str]) -> dict[str, str]:
    """Each client's first contact (oldest) with a non-blank email, trimmed."""
    if not client_ids:
        return {}
    found = s.execute(
        select(Contact.client_id, Contact.email)  # type: ignore[call-overload]
        .where(
            Contact.tenant_id == tenant_id,
            col(Contact.client_id).in_(client_ids),
            func.coalesce(func.trim(Contact.email), "") != "",
        )
        .order_by(Contact.created_at, Contact.id)
    ).all()
    out: dict[str, str] = {}
    for client_id, email in found:
        out.setdefault(client_id, email.strip())
    return out


def _open(tenant_id: str, check: str) -> Any:
    """The update of a check that has not ended, in its tenant."""
    return update(ComplianceCheck).where(
        col(ComplianceCheck.id) == check,
        col(ComplianceCheck.tenant_id) == tenant_id,
        col(ComplianceCheck.status).not_in(ENDED),
    )


def validate_check(s: Session, inp: ValidateInput) -> ValidateResult:
    """Status ``notified`` (only from pending) and the entity's missing required fields (the
    schedule's current list, else ``inp.required_fields``). A deleted entity misses every field."""
    check = s.get(ComplianceCheck, inp.check_id)
    if check is None or check.tenant_id != inp.tenant_id:
        return ValidateResult(found=False)
    sched = s.get(ComplianceSchedule, check.schedule_id) if check.schedule_id else None
    required = list(sched.required_fields) if sched is not None else list(inp.required_fields)
    entity = _entity_row(s, inp.tenant_id, check.entity_type, check.entity_id)
    email: str | None
    if entity is None:
        missing, name, email = required, "", None
    else:
        missing = missing_fields(entity.model_dump(), required)
        name = entity.name
        if isinstance(entity, Contact):
            email = (entity.email or "").strip() or None
        else:
            email = first_emails(s, inp.tenant_id, [entity.id]).get(entity.id)
    s.execute(
        _open(inp.tenant_id, inp.check_id).values(
            missing_fields=missing,
            # notified only from pending (a re-run step keeps a later status)
            status=func.coalesce(func.nullif(ComplianceCheck.status, "pending"), "notified"),
        )
    )
    return ValidateResult(
        missing_fields=tuple(missing),
        entity_name=name,
        entity_type=check.entity_type,
        to_email=email,
        found=entity is not None,
    )


def mark_check(s: Session, inp: MarkInput) -> bool:
    """Set a status and/or the reminder count on an open check; True if a row changed."""
    values: dict[str, Any] = {}
    if inp.status is not None:
        values["status"] = inp.status
    if inp.reminders is not None:
        values["reminders"] = inp.reminders
    if not values:
        return False
    return bool(s.execute(_open(inp.tenant_id, inp.check_id).values(**values)).rowcount)  # type: ignore[attr-defined]


def escalate_check(s: Session, inp: EscalateInput) -> EscalateResult:
    """Status ``escalated`` at ``inp.at`` and one open manager task (reason ``compliance_due``,
    action key ``compliance:{check}:escalate``); ``created`` is False when it existed."""
    key = escalation_key(inp.check_id)
    task_id = check_id("task", inp.tenant_id, key)
    check = s.get(ComplianceCheck, inp.check_id)
    entity = _entity_row(s, inp.tenant_id, check.entity_type, check.entity_id) if check is not None else None
    title = escalation_title(
        check.entity_type if check is not None else "entity",
        entity.name if entity is not None else (check.entity_id if check is not None else inp.check_id),
        inp.missing_fields,
    )
    s.execute(_open(inp.tenant_id, inp.check_id).values(status="escalated", escalated_at=inp.at))
    tasks = AgentTask.__table__  # type: ignore[attr-defined]
    created = s.execute(
        insert(tasks)
        .values(
            id=task_id,
            tenant_id=inp.tenant_id,
            action_key=key,
            title=title,
            reason="compliance_due",
            target_type="compliance_check",
            target_id=inp.check_id,
            status="open",
            created_at=inp.at,
        )
        .on_conflict_do_nothing()
        .returning(tasks.c.id)
    ).scalars()
    return EscalateResult(task_id=task_id, action_key=key, created=bool(list(created)))


def close_check(s: Session, inp: CloseInput) -> bool:
    """End an open check (``completed`` with ``completed_at``, or ``waived`` with its reason) and
    mark its open escalation task done. True if the check changed (it had not ended)."""
    values: dict[str, Any] = {"status": inp.outcome}
    if inp.outcome == "completed":
        values["completed_at"] = inp.at
    else:
        values["waiver_reason"] = inp.reason
    n = s.execute(_open(inp.tenant_id, inp.check_id).values(**values)).rowcount  # type: ignore[attr-defined]
    s.execute(
        update(AgentTask)
        .where(
            col(AgentTask.tenant_id) == inp.tenant_id,
            col(AgentTask.action_key) == escalation_key(inp.check_id),
            col(AgentTask.status) == "open",
        )
        .values(status="done")
    )
    return bool(n)


def check_status(s: Session, check: str) -> str | None:
    row = s.get(ComplianceCheck, check)
    return row.status if row is not None else None
