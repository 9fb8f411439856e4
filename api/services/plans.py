"""Plan service: preview, start, status, consent, resume and cancel multi-step plans
(``PlanWorkflow``, issue 15 Build 6) for one tenant.

Start checks, before anything is written: the plan and its inputs (400, naming the field); the
inputs' size (422); every step's target (``site_url`` must be the origin the tenant registered
the step's credential for, and pass vetting; 422); then the tenant's cap of unended operations
(a plan holds one slot, its first operation's reserved row; 429). With ``consent: true`` the grant (one of the
consent roles, 403) is recorded and sent as the start signal; otherwise the plan waits in
``awaiting_consent`` for ``POST .../consent``.
"""

from __future__ import annotations

import uuid

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Principal
from api.errors import ConflictException, NotFoundException, ValidationException
from api.schemas.plans import PlanConsentRequest, PlanPreview, PlanView, StartPlanRequest
from api.services.consent import grant_signal
from api.services.operations import OperationService
from api.services.plan_consent import PlanConsent
from api.services.plan_views import preview_of, view
from core import queues
from schema.repositories.plans import PlanError, PlanRegistry, permission_union
from workflows.ids import operation_workflow_id, plan_step_operation_id, plan_workflow_id
from workflows.operation.definition import OperationDefinition
from workflows.operation.messages import ConsentRevoke, OperationInput
from workflows.plan.definition import PlanDefinition, PlanStep, resolve_inputs
from workflows.plan.messages import PlanInput, PlanProgress, PlanResume, PlanStatus, PlanTuning
from workflows.plan.workflow import PlanWorkflow

Handle = WorkflowHandle[PlanWorkflow, PlanProgress]


class PlanService:
    def __init__(
        self, client: Client, registry: PlanRegistry, consent: PlanConsent, ops: OperationService
    ) -> None:
        self.client, self.registry, self.consent, self.ops = client, registry, consent, ops

    def _load(self, plan: str) -> tuple[PlanDefinition, list[OperationDefinition]]:
        try:
            return self.registry.load(plan)
        except PlanError as e:
            raise ValidationException(str(e)) from None

    def preview(self, plan: str) -> PlanPreview:
        """The plan's operations and the union of their permissions (400 for an unknown plan)."""
        return preview_of(*self._load(plan))

    async def _check_targets(
        self,
        p: Principal,
        definition: PlanDefinition,
        operations: list[OperationDefinition],
        inputs: dict[str, str],
    ) -> None:
        """422 unless each step's ``site_url`` is a registered, vetted origin of its credential."""
        for n, (step, op) in enumerate(zip(definition.steps, operations, strict=True), start=1):
            try:
                url = resolve_inputs(
                    PlanStep(
                        service=step.service,
                        operation=step.operation,
                        inputs={"site_url": step.inputs["site_url"]},
                    ),
                    inputs,
                    [],
                )["site_url"]
            except (KeyError, IndexError):
                raise ValidationException(
                    f"steps.{n}.inputs.site_url: must come from the plan's inputs"
                ) from None
            origin = self.ops.gate.origin(p.tenant_id, url, "plan")
            await self.ops.gate.require_registered(p.tenant_id, step.service, op.credential, origin)
            await self.ops.gate.vet(p.tenant_id, url, "plan")

    async def start(self, p: Principal, body: StartPlanRequest, ip: str | None, ua: str | None) -> PlanView:
        """Start ``plan-{tenant}-{uuid}``; see the module docstring for the checks."""
        definition, operations = self._load(body.plan)
        permissions = permission_union(operations)
        missing = [k for k in definition.inputs if not body.inputs.get(k)]
        if missing:
            raise ValidationException(f"inputs: missing {', '.join(missing)} for plan {body.plan}")
        self.ops.limits.check_inputs(body.inputs)
        if body.consent:
            self.consent.check_role(p)
        await self._check_targets(p, definition, operations, body.inputs)
        plan_id = str(uuid.uuid4())
        wf_id = plan_workflow_id(p.tenant_id, plan_id)
        slot = await self._reserve(p, definition, plan_id)
        try:
            grant = None
            if body.consent:
                grant = grant_signal(await self.consent.grant(p, definition.plan, permissions, None, ip, ua))
            settings = self.ops.settings.plans
            inp = PlanInput(
                plan_id=plan_id,
                tenant_id=p.tenant_id,
                user_id=p.user_id,
                definition=definition,
                permissions=permissions,
                inputs=body.inputs,
                tuning=PlanTuning(
                    consent_timeout_s=settings.consent_timeout_s, resume_window_s=settings.resume_window_s
                ),
                operation_tuning=self.ops.tuning(),
            )
            await self.client.start_workflow(
                PlanWorkflow.run,
                inp,
                id=wf_id,
                task_queue=queues.AGENT,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                start_signal="grant_consent" if grant else None,
                start_signal_args=[grant] if grant else [],
            )
        except BaseException:
            await self.ops.limits.release(p.tenant_id, slot)
            raise
        return await self.status(p, plan_id)

    async def _reserve(self, p: Principal, definition: PlanDefinition, plan_id: str) -> str:
        """A plan runs one operation at a time, so it takes one slot of the tenant's cap of
        unended operations: its first operation's row, reserved now (429 at the cap)."""
        first = definition.steps[0]
        op_id = plan_step_operation_id(plan_id, 1, 1)
        slot = OperationInput(
            operation_id=op_id, tenant_id=p.tenant_id, service=first.service, operation=first.operation
        )
        await self.ops.limits.reserve(slot, operation_workflow_id(p.tenant_id, op_id), "awaiting_consent")
        return op_id

    def _handle(self, p: Principal, raw_id: str) -> tuple[str, Handle]:
        try:
            plan_id = str(uuid.UUID(raw_id))
        except ValueError:
            raise NotFoundException(f"no plan {raw_id!r}") from None
        return plan_id, self.client.get_workflow_handle_for(
            PlanWorkflow.run, plan_workflow_id(p.tenant_id, plan_id)
        )

    async def _query(self, p: Principal, raw_id: str) -> tuple[Handle, PlanProgress]:
        plan_id, handle = self._handle(p, raw_id)
        try:
            return handle, await handle.query(PlanWorkflow.status)
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                raise NotFoundException(f"no plan {plan_id}") from None
            raise

    async def status(self, p: Principal, raw_id: str) -> PlanView:
        """The plan's status and each step's (404 for an unknown id or another tenant's)."""
        handle, prog = await self._query(p, raw_id)
        return view(handle.id, prog)

    async def _running(self, handle: Handle, plan_id: str) -> None:
        if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
            raise ConflictException(f"plan {plan_id} has already ended")

    async def change_consent(
        self, p: Principal, raw_id: str, body: PlanConsentRequest, ip: str | None, ua: str | None
    ) -> PlanView:
        """Grant (recorded, then signalled to the plan) or revoke (recorded; the plan stops before
        its next step and forwards the revoke to its running operation). 409 once it has ended."""
        handle, prog = await self._query(p, raw_id)
        await self._running(handle, prog.plan_id)
        if body.action == "grant":
            c = await self.consent.grant(p, prog.plan, prog.permissions, body.expires_in_days, ip, ua)
            await handle.signal(PlanWorkflow.grant_consent, grant_signal(c))
        else:
            self.consent.check_role(p)
            await self.consent.revoke(p, prog.plan, body.reason)
            await handle.signal(
                PlanWorkflow.revoke_consent, ConsentRevoke(revoked_by=p.user_id, reason=body.reason)
            )
        return await self.status(p, raw_id)

    async def resume(self, p: Principal, raw_id: str) -> PlanView:
        """Retry the failed step and go on (completed steps are not repeated). 409 unless the plan
        is waiting after a failed step."""
        handle, prog = await self._query(p, raw_id)
        await self._running(handle, prog.plan_id)
        if prog.status != PlanStatus.FAILED:
            raise ConflictException(f"plan {prog.plan_id} is {prog.status.value}, not failed")
        await handle.signal(PlanWorkflow.resume, PlanResume(requested_by=p.user_id))
        return view(handle.id, prog)

    async def cancel(self, p: Principal, raw_id: str) -> PlanView:
        """Cancel the plan and, through it, its running operation. 409 if it has ended."""
        handle, prog = await self._query(p, raw_id)
        await self._running(handle, prog.plan_id)
        await handle.cancel()
        return view(handle.id, prog)
