"""Operation service: start, confirm and cancel operation workflows for one tenant.

It holds the consent rules of ``POST /api/autonomous/initiate`` (seed 000, consent flow):
an active consent record, or ``consent: true`` from a role that may grant, or a system
principal (the operation then waits in awaiting_consent). Anything else is a 403.
"""

from __future__ import annotations

import uuid

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Principal
from api.errors import ConflictException, NotFoundException, PermissionDeniedException, ValidationException
from api.schemas.operations import (
    ConfirmRequest,
    InitiateRequest,
    InitiateResponse,
    OperationView,
    ServiceView,
)
from api.services.consent import ConsentService, grant_signal
from api.services.definitions import list_services, load_definition
from api.services.operation_status import OperationStatusService
from core import queues
from core import search_attributes as sa
from core.settings import Settings
from schema.repositories.definitions import DefinitionRegistry
from workflows.ids import operation_workflow_id
from workflows.operation.messages import ConfirmationDecision, OperationInput, OperationTuning
from workflows.operation.workflow import AutonomousOperationWorkflow

ID_NAMESPACE = uuid.UUID("6f1c8a52-6c1e-4d47-9a40-3f1f3c0f9b10")
"""uuid5 namespace of operation ids derived from (tenant, idempotency key)."""


def operation_id_for(tenant_id: str, idempotency_key: str | None) -> str:
    """A fresh uuid4, or with an idempotency key the same uuid5 for the same tenant and key."""
    if idempotency_key:
        return str(uuid.uuid5(ID_NAMESPACE, f"{tenant_id}/{idempotency_key}"))
    return str(uuid.uuid4())


class OperationService:
    def __init__(
        self,
        client: Client,
        settings: Settings,
        registry: DefinitionRegistry,
        consent: ConsentService,
        status: OperationStatusService,
    ) -> None:
        self.client, self.settings, self.registry = client, settings, registry
        self.consent, self.operations = consent, status

    def tuning(self) -> OperationTuning:
        """The operation settings the workflow needs, by name (workflows read no settings)."""
        shared = set(OperationTuning.model_fields) & set(type(self.settings.operations).model_fields)
        return OperationTuning(**self.settings.operations.model_dump(include=shared))

    async def services(self) -> list[ServiceView]:
        """Every operation definition in the registry."""
        return await list_services(self.registry)

    async def initiate(
        self, p: Principal, body: InitiateRequest, ip: str | None, ua: str | None
    ) -> InitiateResponse:
        """Start ``op-{tenant}-{uuid}``. 400 for an unknown definition or missing inputs, 403
        without consent, 409 when the id exists (unless it came from an idempotency key)."""
        definition = load_definition(self.registry, body.service, body.operation)
        missing = [k for k in definition.inputs if not body.inputs.get(k)]
        if missing:
            raise ValidationException(
                f"missing inputs for {body.service}/{body.operation}: {', '.join(missing)}"
            )
        active = await self.consent.find_active(p, body.service, body.operation)
        if active is None and body.consent:
            active = await self.consent.record_grant(
                p, body.service, body.operation, body.permissions, None, ip, ua
            )
        grant = grant_signal(active) if active else None
        is_system = self.settings.auth.system_role in p.roles
        if grant is None and not is_system:
            raise PermissionDeniedException(
                f"no active consent for {body.service}/{body.operation}: "
                "grant it first, or send consent: true"
            )
        op_id = operation_id_for(p.tenant_id, body.idempotency_key)
        wf_id = operation_workflow_id(p.tenant_id, op_id)
        inp = OperationInput(
            operation_id=op_id,
            tenant_id=p.tenant_id,
            service=body.service,
            operation=body.operation,
            user_id=p.user_id,
            initiated_by="system" if is_system and grant is None else "user",
            inputs=body.inputs,
            tuning=self.tuning(),
        )
        try:
            await self.client.start_workflow(
                AutonomousOperationWorkflow.run,
                inp,
                id=wf_id,
                task_queue=queues.AGENT,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=TypedSearchAttributes(
                    [
                        SearchAttributePair(sa.TENANT_ID, p.tenant_id),
                        SearchAttributePair(sa.SERVICE, body.service),
                        SearchAttributePair(sa.OPERATION, body.operation),
                        SearchAttributePair(sa.OPERATION_STATUS, "awaiting_consent"),
                    ]
                ),
                start_signal="grant_consent" if grant else None,
                start_signal_args=[grant] if grant else [],
            )
        except WorkflowAlreadyStartedError:
            if not body.idempotency_key:
                raise ConflictException(f"operation {op_id} already exists") from None
        return InitiateResponse(
            operation_id=op_id, workflow_id=wf_id, status="pending" if grant else "awaiting_consent"
        )

    async def confirm(self, p: Principal, raw_id: str, body: ConfirmRequest) -> OperationView:
        """Approve or decline the sensitive step the operation waits on; 403 for a role that may
        not grant consent, 409 if it waits on no such step."""
        if not p.has_any(self.settings.auth.consent_roles):
            raise PermissionDeniedException("confirming a sensitive step needs a role that may grant consent")
        current = await self.operations.status(p, raw_id)
        if current.awaiting_confirmation != body.step_number:
            raise ConflictException(
                f"operation {current.operation_id} is not waiting to confirm step {body.step_number}"
            )
        handle = self.client.get_workflow_handle(current.workflow_id)
        await handle.signal(
            AutonomousOperationWorkflow.confirm_action,
            ConfirmationDecision(
                step_number=body.step_number, approved=body.approve, by=p.user_id, reason=body.reason
            ),
        )
        return current

    async def cancel(self, p: Principal, raw_id: str) -> OperationView:
        """Request cancellation (the operation stops before its next step); 409 if it has ended."""
        op_id, handle = self.operations.handle(p, raw_id)
        try:
            desc = await handle.describe()
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                raise NotFoundException(f"no operation {op_id}") from None
            raise
        if desc.status != WorkflowExecutionStatus.RUNNING:
            raise ConflictException(f"operation {op_id} has already ended")
        await handle.cancel()
        return await self.operations.status(p, raw_id)
