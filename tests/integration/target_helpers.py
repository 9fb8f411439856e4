"""Helpers of the operation-target tests (issue 10): a counting TCP listener, request bodies,
and checks that nothing was written or started."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlmodel import select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from api.services.operations import operation_id_for
from schema.db import owner_transaction
from schema.tables import AutonomousOperation
from tests.integration.helpers import OPERATION, SERVICE, headers

NO_CREDENTIAL = f"no {SERVICE} admin credential is registered for this site"
"""The one text of an initiate against a site the tenant registered no credential for."""


class Listener:
    """A TCP server on 127.0.0.1 that answers with an attacker's login page and counts every
    connection that reaches it."""

    def __init__(self) -> None:
        self.connections = 0

    async def start(self) -> Listener:
        self.server = await asyncio.start_server(self._on, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _on(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        page = b"<form method=post><input name=log><input type=password name=pwd></form>"
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
        writer.write(head + b"Content-Length: %d\r\n\r\n" % len(page) + page)
        await writer.drain()
        writer.close()


def credential_body(site_url: str) -> dict[str, str]:
    return {
        "service": SERVICE,
        "credential_type": "admin",
        "username": "admin",
        "password": f"pw-{uuid.uuid4().hex}",
        "site_url": site_url,
    }


def initiate_body(
    site_url: str, key: str, consent: bool = True, inputs: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "service": SERVICE,
        "operation": OPERATION,
        "consent": consent,
        "idempotency_key": key,
        "inputs": {"site_url": site_url, **(inputs or {})},
    }


def db_rows(model: Any, tenant: str) -> list[Any]:
    with owner_transaction() as s:
        return list(s.scalars(select(model).where(model.tenant_id == tenant)))


async def assert_not_started(client: Client, tenant: str, keys: list[str]) -> None:
    """No operation row for the tenant, and no workflow under any of the keys' operation ids."""
    assert db_rows(AutonomousOperation, tenant) == []
    for key in keys:
        wf_id = f"op-{tenant}-{operation_id_for(tenant, key)}"
        with pytest.raises(RPCError) as e:
            await client.get_workflow_handle(wf_id).describe()
        assert e.value.status == RPCStatusCode.NOT_FOUND


async def cancel(api: Any, client: Client, tenant: str, op_id: str) -> None:
    """Cancel an operation through the API and wait until its workflow has closed."""
    r = await api.post(f"/api/autonomous/{op_id}/cancel", headers=headers(tenant))
    assert r.status_code == 202, r.text
    handle = client.get_workflow_handle(f"op-{tenant}-{op_id}")
    for _ in range(600):
        if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"operation {op_id} did not close after its cancel")
