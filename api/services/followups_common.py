"""What the feedback, quote, deal and compliance services share: a session per call on a
worker thread (scoped to the caller's tenant, ``schema.db``), the tenant's row or 404, and a
follow-up workflow's state or signal.

Errors (:mod:`api.errors`): 404 for a row or workflow that is not the tenant's (or missing),
409 for a signal to a workflow that has ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlmodel import SQLModel
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from api.errors import ConflictException, NotFoundException
from core.settings import Settings
from schema.db import platform_transaction, tenant_transaction
from schema.repositories.tenants import get_owned as owned

T = TypeVar("T")
M = TypeVar("M", bound=SQLModel)


def require(s: Session, model: type[M], tenant_id: str, row_id: str) -> M:
    """This tenant's row, or 404 (another tenant's id is not found either)."""
    row = owned(s, model, tenant_id, row_id)
    if row is None:
        raise NotFoundException(f"no {model.__tablename__[:-1]} {row_id!r}")  # type: ignore[index]
    return row


class FollowUpService:
    """Postgres through repositories, workflows through the Temporal client."""

    def __init__(self, client: Client, engine: Engine, settings: Settings) -> None:
        self.client, self.engine, self.settings = client, engine, settings

    async def db(self, tenant_id: str, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one session of ``tenant_id`` on a worker thread and commit (ORM rows
        stay loaded)."""

        def run() -> T:
            with tenant_transaction(self.engine, tenant_id) as s:
                return work(s)

        return await asyncio.to_thread(run)

    async def platform_db(self, reason: str, work: Callable[[Session], T]) -> T:
        """Like :meth:`db`, reading across tenants (``schema.db.platform_transaction``) for ``reason``."""

        def run() -> T:
            with platform_transaction(self.engine, reason) as s:
                return work(s)

        return await asyncio.to_thread(run)

    async def require(self, model: type[M], tenant_id: str, row_id: str) -> M:
        return await self.db(tenant_id, lambda s: require(s, model, tenant_id, row_id))

    async def workflow_state(self, wid: str, query: Any) -> dict[str, Any]:
        """``workflow_id``, ``execution`` and ``state`` (running), ``result`` or ``failure``."""
        handle = self.client.get_workflow_handle(wid)
        try:
            desc = await handle.describe()
        except RPCError:
            raise NotFoundException(f"no follow-up workflow {wid!r}") from None
        out: dict[str, Any] = {"workflow_id": wid, "execution": desc.status.name if desc.status else None}
        if desc.status == WorkflowExecutionStatus.RUNNING:
            out["state"] = await handle.query(query)
        else:
            try:
                out["result"] = await handle.result()
            except Exception as e:  # noqa: BLE001 - a failed or terminated workflow has no result
                out["failure"] = str(e)
        return out

    async def signal(self, wid: str, signal: Any, arg: Any = None) -> None:
        """Signal a running workflow; 404 when there is none, 409 when it has ended."""
        handle = self.client.get_workflow_handle(wid)
        try:
            desc = await handle.describe()
        except RPCError:
            raise NotFoundException(f"no follow-up workflow {wid!r}") from None
        if desc.status != WorkflowExecutionStatus.RUNNING:
            ended = desc.status.name if desc.status else "unknown"
            raise ConflictException(f"{wid} has already ended ({ended})")
        await (handle.signal(signal, arg) if arg is not None else handle.signal(signal))
