"""Reading operations: one operation's status (live or last written), the tenant's history,
and the tenant check every operation route starts with.

Tenant isolation: an operation id of another tenant is a 404, never a 403 (its workflow id
``op-{tenant}-{uuid}`` is built from the caller's tenant, so it cannot even be addressed).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

from sqlalchemy import Engine
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Principal
from api.errors import NotFoundException
from api.schemas.operations import HistoryItem, OperationView
from api.status_cache import StatusCache, json_of
from core import search_attributes as sa
from schema.db import tenant_transaction
from schema.db_pipeline import tenant_read
from schema.repositories import operation_reads
from schema.repositories import operations as operations_repo
from schema.tables import AutonomousOperation
from workflows.ids import operation_workflow_id
from workflows.operation.messages import OperationProgress
from workflows.operation.workflow import AutonomousOperationWorkflow

QUERY_TIMEOUT = timedelta(seconds=2)
"""How long the live ``status`` query of a running operation may take before the API falls back
to Postgres."""
POLL_EVERY_S = 0.5
"""Seconds between status reads of the progress stream."""
TERMINAL = {"completed", "failed", "cancelled"}
EXECUTION = {"completed": "completed", "failed": "completed", "cancelled": "canceled"}
"""Temporal's execution status of an ended operation (a failed operation's workflow completes)."""


def parse_op_id(raw: str) -> str:
    """The canonical uuid string of ``raw``; 404 when it is not a uuid."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFoundException(f"no operation {raw!r}") from None


def view(wf_id: str, prog: OperationProgress) -> OperationView:
    """The API view of the workflow's ``status`` query result."""
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


def from_record(
    wf_id: str, row: AutonomousOperation, shot: tuple[str, str] | None, stale: bool = False
) -> OperationView:
    """The API view of the stored row (its final result holds the reason, LLM usage and
    self-healing state) and its last screenshot (key, intent)."""
    result = row.result or {}
    return OperationView(
        operation_id=str(row.id),
        workflow_id=wf_id,
        status=row.status,
        current_step=row.current_step,
        total_steps=row.total_steps,
        intent=shot[1] if shot else None,
        last_screenshot_key=shot[0] if shot else None,
        reason=result.get("reason"),
        result=row.result,
        self_healing=result.get("self_healing") or "unknown",
        llm=result.get("llm"),
        stale=stale,
    )


def history_item(row: operation_reads.HistoryRow) -> HistoryItem:
    """One history entry from the stored row (``execution_status``: running until it ended)."""
    ended = row.status in TERMINAL
    return HistoryItem(
        operation_id=str(row.id),
        workflow_id=row.workflow_id,
        service=row.service,
        operation=row.operation,
        status=row.status,
        execution_status=EXECUTION.get(row.status, "running") if ended else "running",
        started_at=row.created_at,
        closed_at=row.completed_at if ended else None,
    )


class OperationStatusService:
    def __init__(self, client: Client, engine: Engine, cache: StatusCache | None = None) -> None:
        self.client, self.engine = client, engine
        self.cache = cache if cache is not None else StatusCache(0, 0)  # an empty one is falsy

    def _row(self, tenant_id: str, op_id: str) -> AutonomousOperation | None:
        with tenant_transaction(self.engine, tenant_id) as s:
            return operations_repo.get_operation(s, tenant_id, uuid.UUID(op_id))

    async def require_operation(self, p: Principal, raw_id: str) -> str:
        """The operation id when the caller's tenant has written that operation; 404 otherwise."""
        op_id = parse_op_id(raw_id)
        if await asyncio.to_thread(self._row, p.tenant_id, op_id) is None:
            raise NotFoundException(f"no operation {op_id}")
        return op_id

    def handle(self, p: Principal, raw_id: str) -> tuple[str, WorkflowHandle]:  # type: ignore[type-arg]
        """The operation id and the handle of its workflow in the caller's tenant (404 on a bad id)."""
        op_id = parse_op_id(raw_id)
        return op_id, self.client.get_workflow_handle(operation_workflow_id(p.tenant_id, op_id))

    def _record(
        self, tenant_id: str, op_id: str
    ) -> tuple[AutonomousOperation | None, tuple[str, str] | None]:
        """The stored row and, once it has ended, its last screenshot (key, intent)."""
        with tenant_transaction(self.engine, tenant_id) as s:
            return operation_reads.operation_with_screenshot(s, tenant_id, uuid.UUID(op_id))

    async def status(self, p: Principal, raw_id: str) -> OperationView:
        """A finished operation's status is its stored record (issue 17: no workflow query
        replaying its history); a running one's is the workflow's live ``status`` query, bounded
        by ``QUERY_TIMEOUT``; when no worker answers in time, the last state the workflow wrote to
        Postgres, marked ``stale``. 404 when unknown. A finished one's view is kept in
        ``self.cache`` (api/status_cache.py) for the caller's tenant."""
        op_id = parse_op_id(raw_id)
        if (kept := self.cache.get(p.tenant_id, op_id)) is not None:
            return kept
        handle = self.client.get_workflow_handle(operation_workflow_id(p.tenant_id, op_id))
        row, shot = await asyncio.to_thread(self._record, p.tenant_id, op_id)
        if row is not None and row.status in TERMINAL:
            done = from_record(handle.id, row, shot)
            self.cache.put(p.tenant_id, op_id, done)
            return done
        try:
            prog = await handle.query(AutonomousOperationWorkflow.status, rpc_timeout=QUERY_TIMEOUT)
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                raise NotFoundException(f"no operation {op_id}") from None
            if row is None:  # not written yet: the status search attribute is all there is
                desc = await handle.describe()
                return OperationView(
                    operation_id=op_id,
                    workflow_id=handle.id,
                    stale=True,
                    status=desc.typed_search_attributes.get(sa.OPERATION_STATUS) or "pending",
                )
            return from_record(handle.id, row, None, stale=True)
        return view(handle.id, prog)

    async def status_json(self, p: Principal, raw_id: str) -> bytes:
        """:meth:`status` as its JSON body: a kept finished view's bytes as encoded when kept
        (api/status_cache.py), any other view encoded now, the same way. 404 when unknown."""
        op_id = parse_op_id(raw_id)
        if (kept := self.cache.body(p.tenant_id, op_id)) is not None:
            return kept
        view = await self.status(p, raw_id)  # a finished view is kept, with its body, on the way
        return self.cache.body(p.tenant_id, op_id) or json_of(view)

    async def history(self, p: Principal, limit: int, before: str | None = None) -> list[HistoryItem]:
        """The tenant's operations from their stored rows, newest first, at most ``limit``; with
        ``before`` (an operation id of the previous page's last item), the page after it. One
        round trip to Postgres (``schema.db_pipeline.tenant_read``: scope and read pipelined)."""
        mark = uuid.UUID(parse_op_id(before)) if before else None
        query = operation_reads.history_query(p.tenant_id, limit, mark)
        rows: list[operation_reads.HistoryRow]
        rows = await asyncio.to_thread(tenant_read, self.engine, p.tenant_id, *query)
        return [history_item(r) for r in rows]

    async def watch(self, p: Principal, raw_id: str, first: OperationView) -> AsyncIterator[str]:
        """The view's JSON each time it changes (status, step, ...), polled every 0.5 s, starting
        with ``first`` and ending after a terminal status. A client that leaves closes it."""
        last, current = None, first
        while True:
            body = current.model_dump_json()
            if body != last:
                yield body
                last = body
            if current.status in TERMINAL:
                return
            await asyncio.sleep(POLL_EVERY_S)
            current = await self.status(p, raw_id)
