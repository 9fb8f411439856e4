"""DB steps of the compliance engine (seed 004 P1.7), run as local activities by
:mod:`workflows.followups.compliance` on the agent worker.

Thin adapters over :mod:`schema.repositories.compliance_runs` and
:mod:`schema.repositories.compliance_checks` (where the idempotency is
argued): each opens a session, calls the repository, commits. Sync (thread pool); integrity and
data errors are permanent (``permanent_db_errors``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from temporalio import activity

from activities.operations import permanent_db_errors
from core.logging import get_logger
from core.settings import Settings
from schema.db import tenant_transaction
from schema.repositories import compliance_checks as repo
from schema.repositories.compliance_runs import generate_checks
from workflows.followups.compliance_models import (
    CloseInput,
    CloseResult,
    EscalateInput,
    EscalateResult,
    GenerateChecksInput,
    GenerateChecksResult,
    MarkInput,
    ValidateInput,
    ValidateResult,
)

log = get_logger("activities.compliance")


class ComplianceActivities:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._s = settings
        self._engine = engine

    @activity.defn(name="generate_compliance_checks")
    def generate_compliance_checks(self, inp: GenerateChecksInput) -> GenerateChecksResult:
        """One ``compliance_checks`` row per target entity of the schedule (active clients, or
        contacts) in a page of ``limit`` after the ``after`` entity id, due ``due_in_days`` after
        the run's scheduled time. Rows that exist (a retried run) are returned as they are."""
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            out = generate_checks(s, inp)
            s.commit()
        if out.schedule_found and out.active:
            log.info(
                "compliance checks generated",
                tenant_id=inp.tenant_id,
                schedule_id=inp.schedule_id,
                run_date=inp.run_date,
                checks=len(out.checks),
                created=out.created,
            )
        return out

    @activity.defn(name="validate_compliance_check")
    def validate_compliance_check(self, inp: ValidateInput) -> ValidateResult:
        """The check enters its notification window: status ``notified`` and the entity's missing
        required fields (the schedule's current list, else the one the check was generated with)
        recorded on the row. A deleted entity misses every required field."""
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            out = repo.validate_check(s, inp)
            s.commit()
            return out

    @activity.defn(name="mark_compliance_check")
    def mark_compliance_check(self, inp: MarkInput) -> bool:
        """Set a status (``overdue``) and/or the reminder count on an open check. True if it changed."""
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            changed = repo.mark_check(s, inp)
            s.commit()
            return changed

    @activity.defn(name="escalate_compliance_check")
    def escalate_compliance_check(self, inp: EscalateInput) -> EscalateResult:
        """Status ``escalated`` at ``inp.at`` and a task for the manager (``agent_tasks``, reason
        ``compliance_due``, action key ``compliance:{check}:escalate``)."""
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            out = repo.escalate_check(s, inp)
            s.commit()
            return out

    @activity.defn(name="close_compliance_check")
    def close_compliance_check(self, inp: CloseInput) -> CloseResult:
        """End the check: ``completed`` (``completed_at``) or ``waived`` (``waiver_reason``); its
        open escalation task, if any, is closed too. A check that had ended is left as it is."""
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            changed = repo.close_check(s, inp)
            s.commit()
            status = repo.check_status(s, inp.check_id)
            return CloseResult(status=status or inp.outcome, changed=changed)


def compliance_activities(settings: Settings, engine: Engine) -> list[Any]:
    a = ComplianceActivities(settings, engine)
    return [
        a.generate_compliance_checks,
        a.validate_compliance_check,
        a.mark_compliance_check,
        a.escalate_compliance_check,
        a.close_compliance_check,
    ]
