"""The compliance run's step over ``compliance_checks``: one pending check per target entity
of a schedule, a page at a time (seed 004 P1.7). Session-style; the caller commits.

Idempotent: a check's id is derived from schedule, entity and the run's scheduled date, and the
insert skips existing ids, so a retried run returns the rows it made before.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.business import Client, ComplianceCheck, Contact
from schema.followups import ComplianceSchedule
from schema.repositories.compliance_checks import first_emails
from workflows.followups.compliance_models import GenerateChecksInput, GenerateChecksResult, GeneratedCheck
from workflows.followups.compliance_rules import ENDED, check_id
from workflows.ids import compliance_check_workflow_id

ENTITY_TYPE = {"contacts": "contact", "clients": "client"}
"""``compliance_checks.entity_type`` by the schedule's target type."""


def _targets(s: Session, inp: GenerateChecksInput, entity_type: str) -> tuple[list[Any], bool]:
    """A page of ``inp.limit`` target entities after ``inp.after`` (active clients, or contacts)
    and whether more follow."""
    model: type[Contact] | type[Client] = Contact if entity_type == "contact" else Client
    stmt = (
        select(model)
        .where(col(model.tenant_id) == inp.tenant_id, col(model.id) > inp.after)
        .order_by(col(model.id))
        .limit(inp.limit + 1)
    )
    if model is Client:
        stmt = stmt.where(col(Client.active).is_(True))
    entities = list(s.execute(stmt).scalars())
    return entities[: inp.limit], len(entities) > inp.limit


def generate_checks(s: Session, inp: GenerateChecksInput) -> GenerateChecksResult:
    """One pending check per target entity in the page, due ``due_in_days`` after ``inp.at``.
    Rows that exist (a retried run) are returned as they are (``ended`` when they have ended)."""
    sched = s.get(ComplianceSchedule, inp.schedule_id)
    if sched is None or sched.tenant_id != inp.tenant_id:
        return GenerateChecksResult(schedule_found=False, active=False)
    settings: dict[str, Any] = {
        "notify_days_before": sched.notify_days_before,
        "escalate_after_days": sched.escalate_after_days,
        "required_fields": tuple(sched.required_fields or ()),
    }
    if not sched.active:
        return GenerateChecksResult(active=False, **settings)
    entity_type = ENTITY_TYPE.get(sched.target_type, sched.target_type)
    entities, more = _targets(s, inp, entity_type)
    if entity_type == "client":
        emails = first_emails(s, inp.tenant_id, [e.id for e in entities])
    else:
        emails = {e.id: e.email.strip() for e in entities if getattr(e, "email", None)}
    due_at = inp.at + timedelta(days=sched.due_in_days)
    values = [
        {
            "id": check_id(sched.id, e.id, inp.run_date),
            "tenant_id": inp.tenant_id,
            "schedule_id": sched.id,
            "entity_type": entity_type,
            "entity_id": e.id,
            "due_at": due_at,
            "status": "pending",
            "reminders": 0,
            "workflow_id": compliance_check_workflow_id(
                inp.tenant_id, check_id(sched.id, e.id, inp.run_date)
            ),
        }
        for e in entities
    ]
    created: list[str] = []
    rows: dict[str, ComplianceCheck] = {}
    if values:
        table = ComplianceCheck.__table__  # type: ignore[attr-defined]
        created = list(
            s.execute(insert(table).values(values).on_conflict_do_nothing().returning(table.c.id)).scalars()
        )
        ids = [v["id"] for v in values]
        found = s.execute(select(ComplianceCheck).where(col(ComplianceCheck.id).in_(ids))).scalars()
        rows = {r.id: r for r in found}
    checks = tuple(
        GeneratedCheck(
            check_id=v["id"],
            entity_type=entity_type,
            entity_id=v["entity_id"],
            due_at=rows[v["id"]].due_at if v["id"] in rows else due_at,
            to_email=emails.get(v["entity_id"]),
            ended=v["id"] in rows and rows[v["id"]].status in ENDED,
        )
        for v in values
    )
    return GenerateChecksResult(
        checks=checks,
        created=len(created),
        next_after=entities[-1].id if more and entities else None,
        **settings,
    )
