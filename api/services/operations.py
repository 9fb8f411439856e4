"""Operation service: starts, queries, signals and cancels operation workflows for one tenant.

It holds the consent rules of ``POST /api/autonomous/initiate`` (seed 000, consent flow):
an active consent record, or ``consent: true`` from a role that may grant, or a system
principal (the operation then waits in awaiting_consent). Anything else is a 403.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from litestar.exceptions import (
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from sqlalchemy import Engine
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Principal
from api.errors import ConflictException
from api.schemas.operations import (
    ConfirmRequest,
    ConsentRequest,
    HistoryItem,
    InitiateRequest,
    InitiateResponse,
    OperationView,
)
from core import queues
from core import search_attributes as sa
from core.settings import Settings
from schema.repositories import operations as repo
from schema.repositories.definitions import DefinitionError, DefinitionRegistry
from schema.tables import AutonomousConsent
from workflows.operation.messages import (
    ConfirmationDecision,
    ConsentGrant,
    ConsentRevoke,
    OperationInput,
    OperationProgress,
    OperationTuning,
)
from workflows.operation.workflow import AutonomousOperationWorkflow

ID_NAMESPACE = uuid.UUID("6f1c8a52-6c1e-4d47-9a40-3f1f3c0f9b10")


def workflow_id(tenant_id: str, op_id: str) -> str:
    return f"op-{tenant_id}-{op_id}"


def parse_op_id(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFoundException(f"no operation {raw!r}") from None


class OperationService:
    def __init__(
        self, client: Client, engine: Engine, settings: Settings, registry: DefinitionRegistry
    ) -> None:
        self.client, self.engine, self.settings, self.registry = client, engine, settings, registry

    def tuning(self) -> OperationTuning:
        """The operation settings the workflow needs, by name (workflows read no settings)."""
        shared = set(OperationTuning.model_fields) & set(type(self.settings.operations).model_fields)
        return OperationTuning(**self.settings.operations.model_dump(include=shared))

    # --- consent -------------------------------------------------------------------------
    async def record_grant(
        self,
        p: Principal,
        service: str,
        operation: str,
        permissions: list[str] | None,
        expires_in_days: int | None,
        ip: str | None,
        user_agent: str | None,
    ) -> AutonomousConsent:
        if not p.has_any(self.settings.auth.consent_roles):
            raise PermissionDeniedException(
                f"granting consent needs one of the roles: {', '.join(self.settings.auth.consent_roles)}"
            )
        definition = self._definition(service, operation)
        perms = permissions if permissions is not None else definition.permissions
        unknown = sorted(set(perms) - set(definition.permissions))
        if unknown:
            raise ValidationException(f"unknown permissions for {service}/{operation}: {', '.join(unknown)}")
        if set(perms) != set(definition.permissions):
            raise ValidationException(
                f"{service}/{operation} needs all of: {', '.join(definition.permissions)}"
            )
        now = datetime.now(UTC)
        days = expires_in_days or self.settings.operations.consent_ttl_days
        consent = AutonomousConsent(
            tenant_id=p.tenant_id,
            user_id=p.user_id,
            service=service,
            operation=operation,
            permissions=perms,
            granted_at=now,
            expires_at=now + timedelta(days=days),
            ip_address=ip,
            user_agent=user_agent,
        )
        return await asyncio.to_thread(repo.grant_consent, self.engine, consent)

    async def grant(
        self, p: Principal, body: ConsentRequest, ip: str | None, ua: str | None
    ) -> tuple[AutonomousConsent, list[str]]:
        if body.operation_id:
            await self._require_operation(p, body.operation_id)  # 404 before anything is written
        consent = await self.record_grant(
            p, body.service, body.operation, body.permissions, body.expires_in_days, ip, ua
        )
        signal = ConsentGrant(consent_id=str(consent.id), granted_by=p.user_id, expires_at=consent.expires_at)
        if body.operation_id:
            return consent, await self._signal_one(p, body.operation_id, "grant_consent", signal)
        return consent, await self._signal_active(
            p.tenant_id, body.service, body.operation, "grant_consent", signal, ("awaiting_consent",)
        )

    async def revoke(self, p: Principal, body: ConsentRequest) -> tuple[int, list[str]]:
        if not p.has_any(self.settings.auth.consent_roles):
            raise PermissionDeniedException("revoking consent needs a role that may grant it")
        if body.operation_id:
            await self._require_operation(p, body.operation_id)
        n = await asyncio.to_thread(
            repo.revoke_consents,
            self.engine,
            p.tenant_id,
            body.service,
            body.operation,
            p.user_id,
            body.reason,
            datetime.now(UTC),
        )
        signal = ConsentRevoke(revoked_by=p.user_id, reason=body.reason)
        if body.operation_id:
            return n, await self._signal_one(p, body.operation_id, "revoke_consent", signal)
        return n, await self._signal_active(
            p.tenant_id, body.service, body.operation, "revoke_consent", signal, repo.ACTIVE_STATUSES
        )

    async def _require_operation(self, p: Principal, raw_id: str) -> str:
        op_id = parse_op_id(raw_id)
        row = await asyncio.to_thread(repo.get_operation, self.engine, p.tenant_id, uuid.UUID(op_id))
        if row is None:
            raise NotFoundException(f"no operation {op_id}")
        return op_id

    async def _signal_one(self, p: Principal, raw_id: str, name: str, arg: object) -> list[str]:
        op_id = await self._require_operation(p, raw_id)
        try:
            await self.client.get_workflow_handle(workflow_id(p.tenant_id, op_id)).signal(name, arg)
        except RPCError as e:
            if e.status != RPCStatusCode.NOT_FOUND:
                raise
            return []
        return [op_id]

    async def _signal_active(
        self, tenant: str, service: str, operation: str, name: str, arg: object, statuses: tuple[str, ...]
    ) -> list[str]:
        rows = await asyncio.to_thread(
            repo.active_operations, self.engine, tenant, service, operation, statuses
        )
        done = []
        for row in rows:
            try:
                await self.client.get_workflow_handle(row.workflow_id).signal(name, arg)
                done.append(str(row.id))
            except RPCError as e:
                if e.status != RPCStatusCode.NOT_FOUND:
                    raise
        return done

    # --- operations ------------------------------------------------------------------------
    def _definition(self, service: str, operation: str):  # type: ignore[no-untyped-def]
        try:
            return self.registry.load(service, operation)
        except DefinitionError as e:
            raise ValidationException(str(e)) from None

    async def initiate(
        self, p: Principal, body: InitiateRequest, ip: str | None, ua: str | None
    ) -> InitiateResponse:
        definition = self._definition(body.service, body.operation)
        missing = [k for k in definition.inputs if not body.inputs.get(k)]
        if missing:
            raise ValidationException(
                f"missing inputs for {body.service}/{body.operation}: {', '.join(missing)}"
            )
        active = await asyncio.to_thread(
            repo.find_active_consent,
            self.engine,
            p.tenant_id,
            body.service,
            body.operation,
            datetime.now(UTC),
        )
        if active is None and body.consent:
            active = await self.record_grant(p, body.service, body.operation, body.permissions, None, ip, ua)
        grant = (
            ConsentGrant(consent_id=str(active.id), granted_by=active.user_id, expires_at=active.expires_at)
            if active
            else None
        )
        is_system = self.settings.auth.system_role in p.roles
        if grant is None and not is_system:
            raise PermissionDeniedException(
                f"no active consent for {body.service}/{body.operation}: "
                "grant it first, or send consent: true"
            )
        op_id = (
            str(uuid.uuid5(ID_NAMESPACE, f"{p.tenant_id}/{body.idempotency_key}"))
            if body.idempotency_key
            else str(uuid.uuid4())
        )
        wf_id = workflow_id(p.tenant_id, op_id)
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

    async def _handle(self, p: Principal, raw_id: str) -> tuple[str, WorkflowHandle]:  # type: ignore[type-arg]
        op_id = parse_op_id(raw_id)
        return op_id, self.client.get_workflow_handle(workflow_id(p.tenant_id, op_id))

    async def status(self, p: Principal, raw_id: str) -> OperationView:
        """Live state from the workflow's ``status`` query; when no worker can answer it (within
        5 s), the last state the workflow wrote to Postgres, marked ``stale``."""
        op_id, handle = await self._handle(p, raw_id)
        try:
            prog = await handle.query(AutonomousOperationWorkflow.status, rpc_timeout=timedelta(seconds=5))
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                raise NotFoundException(f"no operation {op_id}") from None
            row = await asyncio.to_thread(repo.get_operation, self.engine, p.tenant_id, uuid.UUID(op_id))
            if row is None:  # not written yet: the status search attribute is all there is
                desc = await handle.describe()
                return OperationView(
                    operation_id=op_id,
                    workflow_id=handle.id,
                    stale=True,
                    status=desc.typed_search_attributes.get(sa.OPERATION_STATUS) or "pending",
                )
            return OperationView(
                operation_id=op_id,
                workflow_id=handle.id,
                status=row.status,
                current_step=row.current_step,
                total_steps=row.total_steps,
                result=row.result,
                stale=True,
            )
        return view(handle.id, prog)

    async def confirm(self, p: Principal, raw_id: str, body: ConfirmRequest) -> OperationView:
        """Approve or decline the sensitive step the operation waits on; 409 if it waits on no such step."""
        if not p.has_any(self.settings.auth.consent_roles):
            raise PermissionDeniedException("confirming a sensitive step needs a role that may grant consent")
        current = await self.status(p, raw_id)
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
        op_id, handle = await self._handle(p, raw_id)
        try:
            desc = await handle.describe()
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                raise NotFoundException(f"no operation {op_id}") from None
            raise
        if desc.status != WorkflowExecutionStatus.RUNNING:
            raise ConflictException(f"operation {op_id} has already ended")
        await handle.cancel()
        return await self.status(p, raw_id)

    async def history(self, p: Principal, limit: int) -> list[HistoryItem]:
        query = f"TenantId = '{p.tenant_id}' AND WorkflowType = 'AutonomousOperationWorkflow'"
        items: list[HistoryItem] = []
        async for wf in self.client.list_workflows(query, limit=limit):
            attrs = wf.typed_search_attributes
            items.append(
                HistoryItem(
                    operation_id=wf.id.removeprefix(f"op-{p.tenant_id}-"),
                    workflow_id=wf.id,
                    service=attrs.get(sa.SERVICE),
                    operation=attrs.get(sa.OPERATION),
                    status=attrs.get(sa.OPERATION_STATUS),
                    execution_status=wf.status.name.lower() if wf.status else None,
                    started_at=wf.start_time,
                    closed_at=wf.close_time,
                )
            )
        return items


def view(wf_id: str, prog: OperationProgress) -> OperationView:
    return OperationView(
        operation_id=prog.operation_id,
        workflow_id=wf_id,
        status=prog.status.value,
        current_step=prog.current_step,
        total_steps=prog.total_steps,
        intent=prog.intent,
        last_screenshot_key=prog.last_screenshot_key,
        session_queue=prog.session_queue,
        awaiting_confirmation=prog.awaiting_confirmation,
        self_healing=prog.self_healing,
        llm=prog.llm.model_dump(),
        reason=prog.reason,
        result=prog.result.model_dump(mode="json") if prog.result else None,
    )
