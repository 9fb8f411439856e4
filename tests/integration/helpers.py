"""Shared helpers for the integration tests (real API, Temporal, Vault, Postgres, Chromium, WordPress)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

from api.auth import mint_token
from core.settings import get_settings
from devstack.demo import admin_credential_body
from schema.db import engine_for, transaction
from schema.repositories.audit import list_audit

SERVICE, OPERATION = "wordpress", "application_password_generation"
TERMINAL = {"completed", "failed", "cancelled"}


def headers(tenant: str, user: str = "alice", roles: tuple[str, ...] = ("admin",)) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {mint_token(get_settings(), tenant, user, list(roles))}",
        "User-Agent": "pytest-integration",
    }


def wp_admin(wp: dict[str, str]) -> dict[str, str]:
    return json.loads(Path(wp["password_file"]).read_text())


async def store_admin_credential(api: Any, tenant: str, wp: dict[str, str]) -> None:
    r = await api.post("/api/autonomous/credentials", headers=headers(tenant), json=admin_credential_body(wp))
    assert r.status_code == 201, r.text


async def initiate(
    api: Any, tenant: str, wp: dict[str, str], *, consent: bool = True, roles: tuple[str, ...] = ("admin",)
) -> dict[str, Any]:
    r = await api.post(
        "/api/autonomous/initiate",
        headers=headers(tenant, roles=roles),
        json={
            "service": SERVICE,
            "operation": OPERATION,
            "consent": consent,
            "inputs": {"site_url": wp["url"]},
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
    return await wait_until(api, tenant, op_id, lambda s: s["status"] in TERMINAL, timeout, every=0.2)


def audit_rows(tenant: str, op_id: str) -> list[Any]:
    with transaction(engine_for(get_settings().database.url)) as s:
        return list_audit(s, tenant, uuid.UUID(op_id))
