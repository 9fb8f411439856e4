"""Operation service: start and cancel operation workflows for one tenant.

It holds the rules of ``POST /api/autonomous/initiate``, checked in this order before anything
is written: the definition and its inputs (400); the inputs' size (422); consent (seed 000,
consent flow: an active consent record, or ``consent: true`` from a role that may grant, or a
system principal whose operation then waits in awaiting_consent; anything else is a 403); the
target (issue 10: ``site_url`` must be the origin the tenant registered the definition's
credential for, and pass vetting again; 422); then the tenant's cap of unended operations (429).
The consent and target checks only read, so they run at once (:func:`in_order`), and the first
failure in that order is the answer.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from typing import Any

from sqlalchemy import Engine
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Principal
from api.errors import ConflictException, NotFoundException, PermissionDeniedException, ValidationException
from api.schemas.operations import (
    InitiateRequest,
    InitiateResponse,
    OperationView,
    ReloadView,
    ServiceView,
)
from api.services.consent import ConsentService, grant_signal
from api.services.definitions import list_services, load_definition, reload_services
from api.services.operation_limits import OperationLimits
from api.services.operation_status import OperationStatusService
from api.services.targets import TargetGate
from core import queues
from core import search_attributes as sa
from core.settings import Settings
from schema.repositories.definitions import DefinitionRegistry
from schema.tables import AutonomousConsent
from workflows.ids import operation_workflow_id
from workflows.operation.messages import (
    ConsentGrant,
    OperationInput,
    OperationTuning,
)
from workflows.operation.workflow import AutonomousOperationWorkflow

ID_NAMESPACE = uuid.UUID("6f1c8a52-6c1e-4d47-9a40-3f1f3c0f9b10")
"""uuid5 namespace of operation ids derived from (tenant, idempotency key)."""


def operation_id_for(tenant_id: str, idempotency_key: str | None) -> str:
    """A fresh uuid4, or with an idempotency key the same uuid5 for the same tenant and key."""
    if idempotency_key:
        return str(uuid.uuid5(ID_NAMESPACE, f"{tenant_id}/{idempotency_key}"))
    return str(uuid.uuid4())


async def in_order(*checks: Awaitable[Any]) -> list[Any]:
    """Read-only ``checks`` run at once (their Postgres/DNS waits overlap, issue 17): the results,
    or the first failure in argument order (the answer the sequential order gave)."""
    done = await asyncio.gather(*checks, return_exceptions=True)
    if failed := next((r for r in done if isinstance(r, BaseException)), None):
        raise failed
    return list(done)


class OperationService:
    def __init__(
        self,
        client: Client,
        engine: Engine,
        settings: Settings,
        registry: DefinitionRegistry,
        consent: ConsentService,
        status: OperationStatusService,
    ) -> None:
        self.client, self.engine, self.settings, self.registry = client, engine, settings, registry
        self.consent, self.operations = consent, status
        self.gate, self.limits = TargetGate(engine, settings), OperationLimits(client, engine, settings)

    def tuning(self) -> OperationTuning:
        """The operation settings the workflow needs, by name (workflows read no settings)."""
        shared = set(OperationTuning.model_fields) & set(type(self.settings.operations).model_fields)
        return OperationTuning(**self.settings.operations.model_dump(include=shared))

    async def services(self) -> list[ServiceView]:
        """Every operation definition in the registry."""
        return await list_services(self.registry)

    async def reload_services(self) -> ReloadView:
        return await reload_services(self.registry)

    async def _authorize(self, p: Principal, body: InitiateRequest) -> AutonomousConsent | None:
        """The active consent, or None when the request may go on without one (``consent: true``
        from a role that may grant, checked here and recorded later; or a system principal)."""
        active = await self.consent.find_active(p, body.service, body.operation)
        if active is None and body.consent:
            self.consent.check_grant(p, body.service, body.operation, body.permissions)
        elif active is None and self.settings.auth.system_role not in p.roles:
            raise PermissionDeniedException(
                f"no active consent for {body.service}/{body.operation}: "
                "grant it first, or send consent: true"
            )
        return active

    async def _check_target(self, p: Principal, body: InitiateRequest, credential_type: str) -> None:
        """422 unless ``site_url`` is an origin the tenant registered a ``credential_type``
        credential for, and it passes vetting now (allowlist, DNS, addresses, ports)."""
        url = body.inputs["site_url"]
        origin = self.gate.origin(p.tenant_id, url, "initiate")
        await in_order(
            self.gate.require_registered(p.tenant_id, body.service, credential_type, origin),
            self.gate.vet(p.tenant_id, url, "initiate"),
        )

    async def initiate(
        self, p: Principal, body: InitiateRequest, ip: str | None, ua: str | None
    ) -> InitiateResponse:
        """Start ``op-{tenant}-{uuid}``. 400 for an unknown definition or missing inputs, 403
        without consent, 422 for inputs over the limits or a target that is not the tenant's
        vetted registered site, 429 at the tenant's cap of unended operations, 409 when the id
        exists (unless it came from an idempotency key). Nothing is written before the checks."""
        definition = load_definition(self.registry, body.service, body.operation)
        missing = [k for k in dict.fromkeys([*definition.inputs, "site_url"]) if not body.inputs.get(k)]
        if missing:
            raise ValidationException(
                f"missing inputs for {body.service}/{body.operation}: {', '.join(missing)}"
            )
        self.limits.check_inputs(body.inputs)
        target = self._check_target(p, body, definition.credential)
        active, _ = await in_order(self._authorize(p, body), target)
        op_id = operation_id_for(p.tenant_id, body.idempotency_key)
        wf_id = operation_workflow_id(p.tenant_id, op_id)
        granting = active is not None or body.consent
        inp = OperationInput(
            operation_id=op_id,
            tenant_id=p.tenant_id,
            service=body.service,
            operation=body.operation,
            user_id=p.user_id,
            initiated_by="user" if granting else "system",
            inputs=body.inputs,
            tuning=self.tuning(),
            definition_version=definition.version,
        )
        status = "pending" if granting else "awaiting_consent"
        reserved = await self.limits.reserve(inp, wf_id, status)
        try:
            if active is None and body.consent:
                active = await self.consent.record_grant(
                    p, body.service, body.operation, body.permissions, None, ip, ua
                )
            await self._start(inp, wf_id, grant_signal(active) if active else None)
        except WorkflowAlreadyStartedError:
            if reserved:
                await self.limits.release(p.tenant_id, op_id)
            if not body.idempotency_key:
                raise ConflictException(f"operation {op_id} already exists") from None
        except BaseException:
            if reserved:
                await self.limits.release(p.tenant_id, op_id)
            raise
        return InitiateResponse(operation_id=op_id, workflow_id=wf_id, status=status)

    async def _start(self, inp: OperationInput, wf_id: str, grant: ConsentGrant | None) -> None:
        await self.client.start_workflow(
            AutonomousOperationWorkflow.run,
            inp,
            id=wf_id,
            task_queue=queues.AGENT,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(sa.TENANT_ID, inp.tenant_id),
                    SearchAttributePair(sa.SERVICE, inp.service),
                    SearchAttributePair(sa.OPERATION, inp.operation),
                    SearchAttributePair(sa.OPERATION_STATUS, "awaiting_consent"),
                ]
            ),
            start_signal="grant_consent" if grant else None,
            start_signal_args=[grant] if grant else [],
        )

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
