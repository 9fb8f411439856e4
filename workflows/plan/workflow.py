"""PlanWorkflow: a multi-step plan's operations, in order, as child workflows under one consent
(issue 15 Build 6; seed 002 "multi-step workflows", e.g. "complete store setup").

Flow: awaiting_consent -> in_progress -> completed | failed (waiting for ``resume``) | cancelled.

- **One consent.** The plan waits for ``grant_consent`` naming the consent the API recorded for
  the plan (service ``plan``, operation = the plan's name, permissions = the union of the
  operations' permissions); like an operation it honours the signal only once ``verify_consent``
  finds that active record. Each child gets the plan's scope (``OperationInput.plan``) and takes
  that consent instead of asking again (operation patch ``operation-plan-consent-scope``).
  ``revoke_consent`` stops the plan before its next step and is forwarded to the running child.
- **Children.** Step N's attempt A runs as operation ``plan_step_operation_id(plan, N, A)``
  (workflow ``op-{tenant}-{uuid}``, so every operation API and audit trail sees it), with
  ``ParentClosePolicy.REQUEST_CANCEL``: cancelling the plan cancels the running child (and waits
  for it to end as cancelled); a terminated plan still asks its child to cancel.
- **Stop and resume.** The first failed step stops the plan; it stays open as ``failed`` for
  ``tuning.resume_window_s`` waiting for a ``resume`` signal (``POST .../resume``), which reruns
  only the failed step (a new operation id, attempt A+1) and goes on. Completed steps live in
  this workflow's state, so they are never repeated; a plan not resumed in the window ends failed.
- **References, not secrets.** A step's inputs are templates over the plan's inputs and what
  earlier steps reported (operation id, credential Vault path and fingerprint), resolved here.
"""

from __future__ import annotations

import asyncio
import builtins
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ChildWorkflowError, is_cancelled_exception
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from workflows.ids import operation_workflow_id, plan_step_operation_id
    from workflows.operation import trust_activities as trust
    from workflows.operation.consent import ConsentGate
    from workflows.operation.messages import (
        ConsentGrant,
        ConsentRevoke,
        OperationInput,
        OperationResult,
        OperationStatus,
        PlanScope,
    )
    from workflows.operation.trust_messages import VerifyConsentInput
    from workflows.operation.workflow import AutonomousOperationWorkflow
    from workflows.plan.definition import PLAN_CONSENT_SERVICE, resolve_inputs
    from workflows.plan.messages import (
        PlanInput,
        PlanProgress,
        PlanResume,
        PlanStatus,
        PlanStepState,
        StepStatus,
    )

P, St = PlanStatus, StepStatus


@workflow.defn
class PlanWorkflow:
    @workflow.init
    def __init__(self, inp: PlanInput) -> None:
        self._inp = inp
        self._consent = ConsentGate()
        self._steps = [
            PlanStepState(number=n, service=s.service, operation=s.operation)
            for n, s in enumerate(inp.definition.steps, start=1)
        ]
        self._status = P.AWAITING_CONSENT
        self._reason: str | None = None
        self._resume: PlanResume | None = None
        self._child: str | None = None
        """The running child's workflow id, if any (where a revoke is forwarded)."""

    @workflow.signal
    def grant_consent(self, grant: ConsentGrant) -> None:
        self._consent.on_grant(grant)

    @workflow.signal
    async def revoke_consent(self, revoke: ConsentRevoke) -> None:
        self._consent.on_revoke(revoke)
        if self._child is not None:
            try:
                await workflow.get_external_workflow_handle(self._child).signal("revoke_consent", revoke)
            except Exception:  # the child already ended: nothing to stop
                workflow.logger.info("plan revoke not forwarded: the child has ended")

    @workflow.signal
    def resume(self, resume: PlanResume) -> None:
        """Honoured only while the plan waits after a failed step."""
        if self._status == P.FAILED and self._resume is None:
            self._resume = resume

    @workflow.query
    def status(self) -> PlanProgress:
        d = self._inp.definition
        return PlanProgress(
            plan_id=self._inp.plan_id,
            plan=d.plan,
            version=d.version,
            status=self._status,
            permissions=self._inp.permissions,
            steps=list(self._steps),
            consent_id=self._consent.grant.consent_id if self._consent.grant else None,
            reason=self._reason,
        )

    @workflow.run
    async def run(self, inp: PlanInput) -> PlanProgress:
        try:
            return await self._run(inp)
        except asyncio.CancelledError:
            self._steps = [
                s.model_copy(update={"status": St.CANCELLED}) if s.status in (St.RUNNING, St.PENDING) else s
                for s in self._steps
            ]
            self._end(P.CANCELLED, "cancelled by request")
            raise

    async def _run(self, inp: PlanInput) -> PlanProgress:
        timeout = inp.tuning.consent_timeout_s
        if not await self._consent.wait_for_grant(timeout, self._verify):
            return self._end(P.CANCELLED, f"consent not granted within {timeout}s")
        n = 0
        while n < len(self._steps):
            if self._consent.stop_reason() is not None:
                return self._end(P.CANCELLED, self._consent.stop_text())
            self._status = P.IN_PROGRESS
            outcome = await self._run_step(n)
            if outcome == St.COMPLETED:
                n += 1
                continue
            if outcome == St.CANCELLED:
                return self._end(P.CANCELLED, f"step {n + 1} was cancelled: {self._steps[n].reason}")
            self._status, self._resume = P.FAILED, None
            self._reason = f"step {n + 1} ({self._steps[n].operation}) failed: {self._steps[n].reason}"
            try:
                await workflow.wait_condition(
                    lambda: self._resume is not None or self._consent.revoke is not None,
                    timeout=timedelta(seconds=inp.tuning.resume_window_s),
                )
            except builtins.TimeoutError:
                return self._end(
                    P.FAILED, f"{self._reason}; not resumed within {inp.tuning.resume_window_s}s"
                )
            self._reason = None
        return self._end(P.COMPLETED, None)

    async def _verify(self, grant: ConsentGrant) -> ConsentGrant | None:
        found = await trust.verify_consent(
            VerifyConsentInput(
                tenant_id=self._inp.tenant_id,
                service=PLAN_CONSENT_SERVICE,
                operation=self._inp.definition.plan,
                consent_id=grant.consent_id,
            )
        )
        if not found.found or found.consent_id is None:
            return None
        return ConsentGrant(
            consent_id=found.consent_id, granted_by=found.granted_by, expires_at=found.expires_at
        )

    def _set(self, n: int, **changes: object) -> None:
        self._steps[n] = self._steps[n].model_copy(update=changes)

    async def _run_step(self, n: int) -> StepStatus:
        """Run step ``n`` (0-based) once more as a child operation; its outcome."""
        inp, step, state = self._inp, self._inp.definition.steps[n], self._steps[n]
        attempt = state.attempts + 1
        reported = [
            {f: getattr(s, f) or "" for f in ("operation_id", "credential_path", "credential_fingerprint")}
            for s in self._steps[:n]
        ]
        try:
            inputs = resolve_inputs(step, inp.inputs, reported)
        except KeyError as e:
            self._set(n, status=St.FAILED, attempts=attempt, reason=f"{e.args[0]} was not reported")
            return St.FAILED
        op_id = plan_step_operation_id(inp.plan_id, n + 1, attempt)
        assert self._consent.grant is not None
        child = OperationInput(
            operation_id=op_id,
            tenant_id=inp.tenant_id,
            service=step.service,
            operation=step.operation,
            user_id=inp.user_id,
            inputs=inputs,
            tuning=inp.operation_tuning,
            plan=PlanScope(
                plan=inp.definition.plan, plan_id=inp.plan_id, consent_id=self._consent.grant.consent_id
            ),
        )
        self._set(n, status=St.RUNNING, attempts=attempt, operation_id=op_id, reason=None)
        self._child = operation_workflow_id(inp.tenant_id, op_id)
        try:
            result: OperationResult = await workflow.execute_child_workflow(
                AutonomousOperationWorkflow.run,
                child,
                id=self._child,
                parent_close_policy=ParentClosePolicy.REQUEST_CANCEL,
            )
        except ChildWorkflowError as e:
            if is_cancelled_exception(e):
                self._set(n, status=St.CANCELLED, reason="cancelled")
                raise asyncio.CancelledError from None
            self._set(n, status=St.FAILED, reason=str(e.cause or e.message)[:2000])
            return St.FAILED
        finally:
            self._child = None
        outcome = {OperationStatus.COMPLETED: St.COMPLETED, OperationStatus.CANCELLED: St.CANCELLED}.get(
            result.status, St.FAILED
        )
        self._set(
            n,
            status=outcome,
            reason=result.reason,
            credential_path=result.credential_path,
            credential_fingerprint=result.credential_fingerprint,
        )
        return outcome

    def _end(self, status: PlanStatus, reason: str | None) -> PlanProgress:
        self._status, self._reason = status, reason
        return self.status()
