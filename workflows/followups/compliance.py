"""ComplianceRunWorkflow (``ComplianceRun``), the quarterly compliance engine's scheduled run
(seed 004 P1.7); its checks are :mod:`workflows.followups.compliance_check`.

What a compliance schedule's Temporal Schedule (``compliance-schedule-{tenant}-{schedule}``,
calendar spec by frequency) starts. The local activity ``generate_compliance_checks`` creates one
``compliance_checks`` row per active target entity (idempotent: the id comes from schedule, entity
and the scheduled date), then it starts one :class:`ComplianceCheckWorkflow` child per check
(parent close policy ABANDON, not waited for), ``page_size`` at a time, continuing as new after
each full page. It carries the search attributes TenantId, Kind and Status and answers a
``status`` query (:class:`FollowUpState`). Deterministic: no I/O, clock or randomness.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from core import search_attributes as sa
    from workflows.common import FollowUpState, scheduled_time, tag
    from workflows.followups import compliance_activities as acts
    from workflows.followups.compliance_check import ComplianceCheckWorkflow
    from workflows.followups.compliance_models import (
        ComplianceCheckInput,
        ComplianceRunInput,
        ComplianceRunResult,
        GenerateChecksInput,
    )
    from workflows.followups.compliance_rules import KIND_CHECK, KIND_RUN
    from workflows.ids import compliance_check_workflow_id

__all__ = ["KIND_CHECK", "KIND_RUN", "WORKFLOWS", "ComplianceCheckWorkflow", "ComplianceRunWorkflow"]


@workflow.defn(name="ComplianceRun")
class ComplianceRunWorkflow:
    """One scheduled run of a compliance schedule: generate the checks, start their workflows."""

    def __init__(self) -> None:
        self._state = FollowUpState(kind=KIND_RUN, status="running")

    @workflow.query(name="status")
    def status(self) -> FollowUpState:
        """running, completed or skipped, with the counts so far in ``detail``."""
        return self._state

    @workflow.run
    async def run(self, inp: ComplianceRunInput) -> ComplianceRunResult:
        t = inp.tenant_id
        at = inp.scheduled_at or scheduled_time()
        run_date = at.strftime("%Y%m%d")
        tag(t, KIND_RUN, "running")
        counts = {
            "generated": inp.generated,
            "created": inp.created,
            "started": inp.started,
            "already_started": inp.already_started,
            "pages": inp.pages,
        }
        self._show("running", run_date, counts)
        page = await acts.generate_compliance_checks(
            GenerateChecksInput(
                tenant_id=t,
                schedule_id=inp.schedule_id,
                run_date=run_date,
                at=at,
                after=inp.after,
                limit=inp.page_size,
            )
        )
        if not page.schedule_found or not page.active:
            reason = "the schedule was deleted" if not page.schedule_found else "the schedule is inactive"
            tag(t, KIND_RUN, "skipped")
            self._show("skipped", run_date, counts)
            return ComplianceRunResult(
                tenant_id=t,
                schedule_id=inp.schedule_id,
                run_date=run_date,
                status="skipped",
                reason=reason,
                **counts,
            )
        counts["generated"] += len(page.checks)
        counts["created"] += page.created
        counts["pages"] += 1
        to_start = [c for c in page.checks if not c.ended]
        outcomes = await asyncio.gather(
            *(
                workflow.start_child_workflow(
                    ComplianceCheckWorkflow.run,
                    ComplianceCheckInput(
                        tenant_id=t,
                        check_id=c.check_id,
                        due_at=c.due_at,
                        notify_days_before=page.notify_days_before,
                        escalate_after_days=page.escalate_after_days,
                        to_email=c.to_email,
                        messaging_queue=inp.messaging_queue,
                        required_fields=page.required_fields,
                    ),
                    id=compliance_check_workflow_id(t, c.check_id),
                    task_queue=workflow.info().task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                    search_attributes=TypedSearchAttributes(
                        [
                            SearchAttributePair(sa.TENANT_ID, t),
                            SearchAttributePair(sa.KIND, KIND_CHECK),
                            SearchAttributePair(sa.STATUS, "pending"),
                        ]
                    ),
                )
                for c in to_start
            ),
            return_exceptions=True,
        )
        for o in outcomes:
            if isinstance(o, WorkflowAlreadyStartedError):  # a retried run: the check is running or ran
                counts["already_started"] += 1
            elif isinstance(o, BaseException):
                raise o
            else:
                counts["started"] += 1
        self._show("running", run_date, counts)
        if page.next_after is not None:
            workflow.continue_as_new(
                inp.model_copy(update={"scheduled_at": at, "after": page.next_after, **counts})
            )
        tag(t, KIND_RUN, "completed")
        self._show("completed", run_date, counts)
        return ComplianceRunResult(
            tenant_id=t, schedule_id=inp.schedule_id, run_date=run_date, status="completed", **counts
        )

    def _show(self, status: str, run_date: str, counts: dict[str, int]) -> None:
        self._state = FollowUpState(
            kind=KIND_RUN,
            status=status,
            waiting_for="generate and start the checks" if status == "running" else None,
            detail={"run_date": run_date, **counts},
        )


WORKFLOWS: list[type] = [ComplianceRunWorkflow, ComplianceCheckWorkflow]
