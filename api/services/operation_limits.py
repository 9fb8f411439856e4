"""Bounded operations (issue 10, part 6): the size of an initiate's ``inputs`` and a tenant's cap on
operations that have not ended, so one tenant cannot starve the browser pool.

The cap is race-safe: one transaction takes a per-tenant advisory lock, counts the tenant's
unended operations and inserts the new operation's ``autonomous_operations`` row, all before the
workflow starts. Two initiates of one tenant therefore count one after the other, and each sees
the other's row. The workflow's ``sync_operation`` later upserts the same row (same id). An
idempotent replay finds its row already there: it is neither counted twice nor refused.

A row can say "not ended" for a workflow that has closed without writing its final status (an
operator terminated it, or it was cancelled before its first step). At the cap, the service
asks Temporal about each counted workflow, records the closed ones as ended, and tries once more,
so such a row never holds a slot for good.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from api.errors import TooManyRequestsException, UnprocessableException
from core.settings import Settings
from schema.db import tenant_transaction
from schema.repositories import operations as operations_repo
from workflows.operation.messages import OperationInput

MAX_INPUT_KEYS = 20
RETRY_AFTER_S = 30
"""``Retry-After`` of a 429: operations run for tens of seconds."""


def inputs_size(inputs: dict[str, str]) -> int:
    """Bytes of ``inputs`` as compact UTF-8 JSON."""
    return len(json.dumps(inputs, ensure_ascii=False, separators=(",", ":")).encode())


def inputs_problem(inputs: dict[str, str], max_bytes: int, max_keys: int = MAX_INPUT_KEYS) -> str | None:
    """Why ``inputs`` is too large (more than ``max_keys`` keys, or more than ``max_bytes`` bytes
    as UTF-8 JSON), or None when it fits."""
    if len(inputs) > max_keys:
        return f"inputs has {len(inputs)} keys; at most {max_keys} are allowed"
    size = inputs_size(inputs)
    if size > max_bytes:
        return f"inputs is {size} bytes as JSON; at most {max_bytes} are allowed"
    return None


ENDED_AS = {
    WorkflowExecutionStatus.COMPLETED: "completed",
    WorkflowExecutionStatus.FAILED: "failed",
    WorkflowExecutionStatus.TIMED_OUT: "failed",
    WorkflowExecutionStatus.CANCELED: "cancelled",
    WorkflowExecutionStatus.TERMINATED: "cancelled",
}
"""The status a row gets when its workflow closed this way without writing one."""
UNSTARTED_GRACE = timedelta(minutes=1)
"""A reserved row with no workflow this long after its insert lost its start (the API died)."""


class OperationLimits:
    def __init__(self, client: Client, engine: Engine, settings: Settings) -> None:
        self.client, self.engine, self.settings = client, engine, settings

    def check_inputs(self, inputs: dict[str, str]) -> None:
        """422 when ``inputs`` is over the limits (``settings.operations.max_inputs_bytes``)."""
        problem = inputs_problem(inputs, self.settings.operations.max_inputs_bytes)
        if problem:
            raise UnprocessableException(problem)

    def _reserve(self, values: dict[str, Any]) -> bool:
        tenant_id, cap = values["tenant_id"], self.settings.operations.max_concurrent_per_tenant
        with tenant_transaction(self.engine, tenant_id) as s:
            operations_repo.lock_tenant_operations(s, tenant_id)
            if operations_repo.operation_exists(s, values["id"]):
                return False
            if operations_repo.count_unended(s, tenant_id) >= cap:
                raise TooManyRequestsException(
                    f"tenant {tenant_id} already has {cap} operations that have not ended; "
                    "retry when one ends",
                    headers={"Retry-After": str(RETRY_AFTER_S)},
                )
            return operations_repo.insert_operation(s, values)

    async def reserve(self, inp: OperationInput, workflow_id: str, status: str) -> bool:
        """Insert the operation's row (``status``) if the tenant is under its cap (429 with
        ``Retry-After`` otherwise). False when the row already exists (an idempotent replay)."""
        values = {
            "id": uuid.UUID(inp.operation_id),
            "tenant_id": inp.tenant_id,
            "workflow_id": workflow_id,
            "user_id": inp.user_id,
            "service": inp.service,
            "operation": inp.operation,
            "status": status,
        }
        try:
            return await asyncio.to_thread(self._reserve, values)
        except TooManyRequestsException:
            if not await self._reconcile(inp.tenant_id):
                raise
        return await asyncio.to_thread(self._reserve, values)

    def _unended(self, tenant_id: str) -> list[tuple[uuid.UUID, str, datetime]]:
        with tenant_transaction(self.engine, tenant_id) as s:
            return operations_repo.unended_workflows(s, tenant_id)

    def _mark_ended(self, tenant_id: str, ended: list[tuple[uuid.UUID, str]]) -> int:
        with tenant_transaction(self.engine, tenant_id) as s:
            return sum(operations_repo.mark_ended(s, tenant_id, op_id, status) for op_id, status in ended)

    async def _reconcile(self, tenant_id: str) -> int:
        """Record as ended the tenant's rows whose workflow has closed, or never started a
        minute after the row was reserved; returns how many."""
        ended, now = [], datetime.now(UTC)
        for op_id, wf_id, created_at in await asyncio.to_thread(self._unended, tenant_id):
            try:
                desc = await self.client.get_workflow_handle(wf_id).describe()
            except RPCError as e:
                if e.status != RPCStatusCode.NOT_FOUND:
                    raise
                if now - created_at > UNSTARTED_GRACE:  # not a reservation whose start is under way
                    ended.append((op_id, "failed"))
                continue
            if desc.status in ENDED_AS:
                ended.append((op_id, ENDED_AS[desc.status]))
        return await asyncio.to_thread(self._mark_ended, tenant_id, ended) if ended else 0

    def _release(self, tenant_id: str, op_id: str) -> None:
        with tenant_transaction(self.engine, tenant_id) as s:
            operations_repo.delete_operation(s, tenant_id, uuid.UUID(op_id))

    async def release(self, tenant_id: str, op_id: str) -> None:
        """Delete a reserved row whose workflow did not start."""
        await asyncio.to_thread(self._release, tenant_id, op_id)
