"""Bounded operations (issue 10, part 6): the size of an initiate's ``inputs`` and a tenant's cap on
operations that have not ended, so one tenant cannot starve the browser pool.

The cap is race-safe: one transaction takes a per-tenant advisory lock, counts the tenant's
unended operations and inserts the new operation's ``autonomous_operations`` row, all before the
workflow starts. Two initiates of one tenant therefore count one after the other, and each sees
the other's row. The workflow's ``sync_operation`` later upserts the same row (same id). An
idempotent replay finds its row already there: it is neither counted twice nor refused.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from sqlalchemy import Engine

from api.errors import TooManyRequestsException, UnprocessableException
from core.settings import Settings
from schema.db import transaction
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


class OperationLimits:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings

    def check_inputs(self, inputs: dict[str, str]) -> None:
        """422 when ``inputs`` is over the limits (``settings.operations.max_inputs_bytes``)."""
        problem = inputs_problem(inputs, self.settings.operations.max_inputs_bytes)
        if problem:
            raise UnprocessableException(problem)

    def _reserve(self, values: dict[str, Any]) -> bool:
        tenant_id, cap = values["tenant_id"], self.settings.operations.max_concurrent_per_tenant
        with transaction(self.engine) as s:
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
        return await asyncio.to_thread(self._reserve, values)

    def _release(self, tenant_id: str, op_id: str) -> None:
        with transaction(self.engine) as s:
            operations_repo.delete_operation(s, tenant_id, uuid.UUID(op_id))

    async def release(self, tenant_id: str, op_id: str) -> None:
        """Delete a reserved row whose workflow did not start."""
        await asyncio.to_thread(self._release, tenant_id, op_id)
