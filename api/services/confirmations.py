"""Step confirmations (issue 10, "signals are hints; records are the truth"): a person's decision
on a sensitive step is persisted (``operation_confirmations``) before the ``confirm_action``
signal, which carries the record's id. The workflow honours a decision only when it finds that
record, so a raw signal from anyone who can reach Temporal changes nothing.
"""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import Engine
from temporalio.client import Client

from api.auth import Principal
from api.errors import ConflictException
from api.schemas.operations import ConfirmRequest, OperationView
from api.services.operation_status import OperationStatusService
from core.settings import Settings
from schema.db import tenant_transaction
from schema.repositories import confirmations
from workflows.operation.messages import ConfirmationDecision
from workflows.operation.workflow import AutonomousOperationWorkflow


class ConfirmationService:
    def __init__(
        self, client: Client, engine: Engine, settings: Settings, status: OperationStatusService
    ) -> None:
        self.client, self.engine, self.settings, self.operations = client, engine, settings, status

    def _record(self, p: Principal, op_id: str, body: ConfirmRequest) -> str:
        with tenant_transaction(self.engine, p.tenant_id) as s:
            row = confirmations.record_confirmation(
                s, p.tenant_id, uuid.UUID(op_id), body.step_number, body.approve, p.user_id, body.reason
            )
            return str(row.id)

    async def confirm(self, p: Principal, raw_id: str, body: ConfirmRequest) -> OperationView:
        """Approve or decline the sensitive step the operation waits on (the roles are the
        matrix's): 404 for another tenant's operation, 409 if it waits on no such step.
        Records the decision, then signals it with the record's id."""
        current = await self.operations.status(p, raw_id)
        if current.awaiting_confirmation != body.step_number:
            raise ConflictException(
                f"operation {current.operation_id} is not waiting to confirm step {body.step_number}"
            )
        record_id = await asyncio.to_thread(self._record, p, current.operation_id, body)
        await self.client.get_workflow_handle(current.workflow_id).signal(
            AutonomousOperationWorkflow.confirm_action,
            ConfirmationDecision(
                step_number=body.step_number,
                approved=body.approve,
                by=p.user_id,
                reason=body.reason,
                confirmation_id=record_id,
            ),
        )
        return current
