"""Signal a tenant's operations: one by id, or every operation of (service, operation) in
some statuses. A workflow that has already gone (Temporal NOT_FOUND) is skipped, not an error.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Principal
from api.services.operation_status import OperationStatusService
from schema.db import tenant_transaction
from schema.repositories import operations as operations_repo
from workflows.ids import operation_workflow_id


class OperationSignals:
    def __init__(self, client: Client, engine: Engine, status: OperationStatusService) -> None:
        self.client, self.engine, self.status = client, engine, status

    async def signal_one(self, p: Principal, raw_id: str, name: str, arg: object) -> list[str]:
        """Signal the caller's operation ``raw_id`` (404 when not the tenant's); returns
        ``[operation id]``, or ``[]`` when its workflow is gone."""
        op_id = await self.status.require_operation(p, raw_id)
        try:
            await self.client.get_workflow_handle(operation_workflow_id(p.tenant_id, op_id)).signal(name, arg)
        except RPCError as e:
            if e.status != RPCStatusCode.NOT_FOUND:
                raise
            return []
        return [op_id]

    def _active(
        self, tenant: str, service: str, operation: str, statuses: tuple[str, ...]
    ) -> list[tuple[str, str]]:
        with tenant_transaction(self.engine, tenant) as s:
            rows = operations_repo.active_operations(s, tenant, service, operation, statuses)
            return [(str(r.id), r.workflow_id) for r in rows]

    async def signal_active(
        self, tenant: str, service: str, operation: str, name: str, arg: object, statuses: tuple[str, ...]
    ) -> list[str]:
        """Signal every operation of (service, operation) whose status is in ``statuses``;
        returns the ids of those signalled."""
        done = []
        for op_id, wf_id in await asyncio.to_thread(self._active, tenant, service, operation, statuses):
            try:
                await self.client.get_workflow_handle(wf_id).signal(name, arg)
                done.append(op_id)
            except RPCError as e:
                if e.status != RPCStatusCode.NOT_FOUND:
                    raise
        return done
