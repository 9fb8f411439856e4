"""Shared helpers for the integration tests (real API, Temporal, Vault, Postgres, Chromium, WordPress)."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import anyio
from temporalio.client import WorkflowExecutionStatus

from api.auth import mint_platform_token, mint_token
from core.settings import get_settings
from core.targets import parse_origin
from core.temporal import connect
from devstack.demo import admin_credential_body
from schema.db import owner_transaction
from schema.repositories.audit import list_audit
from workflows import ids
from workflows.ids import operation_workflow_id

SERVICE, OPERATION = "wordpress", "application_password_generation"
TERMINAL = {"completed", "failed", "cancelled"}


def headers(tenant: str, user: str = "alice", roles: tuple[str, ...] = ("admin",)) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {mint_token(get_settings(), tenant, user, list(roles))}",
        "User-Agent": "pytest-integration",
    }


def wp_admin(wp: dict[str, str]) -> dict[str, str]:
    return json.loads(Path(wp["password_file"]).read_text())


def operator(user: str = "operator") -> dict[str, str]:
    """A platform operator's headers: a token of the platform identity provider (issue 11), the
    only place the operator role is honoured from."""
    return {
        "Authorization": f"Bearer {mint_platform_token(get_settings(), user)}",
        "User-Agent": "pytest-integration",
    }


async def allow_site(api: Any, tenant: str, url: str) -> str:
    """As an operator, allowlist ``url``'s origin (e.g. the local http WordPress) for ``tenant``;
    returns the origin."""
    origin = str(parse_origin(url))
    r = await api.post(
        "/api/admin/site-allowlist",
        headers=operator(),
        json={"tenant_id": tenant, "origin": origin, "reason": "integration test"},
    )
    assert r.status_code == 201, r.text
    return origin


async def store_admin_credential(api: Any, tenant: str, wp: dict[str, str]) -> None:
    """Allowlist the local WordPress for ``tenant``, then register its admin credential there."""
    await allow_site(api, tenant, wp["url"])
    r = await api.post("/api/autonomous/credentials", headers=headers(tenant), json=admin_credential_body(wp))
    assert r.status_code == 201, r.text


async def initiate(
    api: Any,
    tenant: str,
    wp: dict[str, str],
    *,
    consent: bool = True,
    roles: tuple[str, ...] = ("admin",),
    operation: str = OPERATION,
    inputs: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Start ``operation`` of the WordPress service on ``wp``'s site (202 asserted); its body."""
    r = await api.post(
        "/api/autonomous/initiate",
        headers=headers(tenant, roles=roles),
        json={
            "service": SERVICE,
            "operation": operation,
            "consent": consent,
            "inputs": {"site_url": wp["url"], **(inputs or {})},
        },
    )
    assert r.status_code == 202, r.text
    return r.json()  # type: ignore[no-any-return]


async def status(api: Any, tenant: str, op_id: str) -> dict[str, Any]:
    r = await api.get(f"/api/autonomous/status/{op_id}", headers=headers(tenant))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def wait_until(
    api: Any, tenant: str, op_id: str, cond: Any, timeout: float = 120, every: float = 0.05
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = await status(api, tenant, op_id)
        if cond(s):
            return s
        await asyncio.sleep(every)
    raise AssertionError(f"operation {op_id} did not reach the condition in {timeout}s; last: {s}")


async def wait_terminal(api: Any, tenant: str, op_id: str, timeout: float = 120) -> dict[str, Any]:
    """The final status, once the workflow execution has also closed: the ``status`` query shows
    the final status just before the workflow's last row write, which lands before it closes."""
    final = await wait_until(api, tenant, op_id, lambda s: s["status"] in TERMINAL, timeout, every=0.2)
    handle = (await connect(scoping=ids)).get_workflow_handle(operation_workflow_id(tenant, op_id))
    for _ in range(int(timeout * 10)):
        if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
            return final
        await asyncio.sleep(0.1)
    raise AssertionError(f"operation {op_id} reported {final['status']} but its workflow never closed")


def audit_rows(tenant: str, op_id: str) -> list[Any]:
    with owner_transaction() as s:
        return list_audit(s, tenant, uuid.UUID(op_id))


class EventStream:
    """Read a server-sent event stream from the in-process API as it is written (the test client's
    transport would buffer it until the stream ends). The app runs on the test client's portal
    thread; its ASGI ``send`` hands each body chunk to this side through a queue."""

    def __init__(self, api: Any, path: str, headers: dict[str, str]) -> None:
        request = api.build_request("GET", path, headers=headers)
        scope = api._transport.parse_request(request)
        scope.update(method="GET", http_version="1.1", extensions={"http.response.template": {}})
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._closed = threading.Event()
        self._buffer = ""
        self.status_code: int | None = None
        self.headers: dict[str, str] = {}
        self.ended = False
        asked = False

        async def receive() -> dict[str, Any]:
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            while not self._closed.is_set():
                await anyio.sleep(0.05)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            self._messages.put(message)

        self._task = api.blocking_portal.start_task_soon(api.app, scope, receive, send)

    async def next(self, timeout: float = 120) -> tuple[str, dict[str, Any]]:
        """The next (event, data); AssertionError if none comes within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while "\n\n" not in self._buffer:
            if self.ended:
                raise AssertionError(f"the stream ended; unread: {self._buffer!r}")
            left = deadline - time.monotonic()
            try:
                m = await asyncio.to_thread(self._messages.get, timeout=max(left, 0.01))
            except queue.Empty:
                raise AssertionError(f"no server-sent event within {timeout}s") from None
            if m["type"] == "http.response.start":
                self.status_code = m["status"]
                self.headers = {k.decode(): v.decode() for k, v in m.get("headers", [])}
            elif m["type"] == "http.response.body":
                self._buffer += m.get("body", b"").decode().replace("\r\n", "\n")
                self.ended = not m.get("more_body", False)
        block, self._buffer = self._buffer.split("\n\n", 1)
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "data" not in fields:
            return await self.next(timeout)
        return fields.get("event", "message"), json.loads(fields["data"])

    def close(self) -> None:
        self._closed.set()
        self._task.result(timeout=30)


async def grant(api: Any, tenant: str, user: str = "alice") -> None:
    r = await api.post(
        "/api/autonomous/consent",
        headers=headers(tenant, user=user),
        json={"action": "grant", "service": SERVICE, "operation": OPERATION},
    )
    assert r.status_code == 200, r.text
