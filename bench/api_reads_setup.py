"""Set-up of ``bench.api_reads``: operations with a stored final record, and running ones."""

from __future__ import annotations

import asyncio

import httpx

from bench.api_latency import Tokens
from devstack.demo import OPERATION, SERVICE


async def running_ops(http: httpx.AsyncClient, system: dict[str, str], site: str, n: int) -> list[str]:
    """``n`` operations started by the tenant's system principal: they wait for consent."""
    body = {"service": SERVICE, "operation": OPERATION, "inputs": {"site_url": site}}
    ops = []
    for _ in range(n):
        r = await http.post("/api/autonomous/initiate", headers=system, json=body)
        assert r.status_code == 202, r.text
        ops.append(r.json()["operation_id"])
    return ops


async def finished_ops(http: httpx.AsyncClient, tokens: Tokens, tenant: str, site: str, n: int) -> list[str]:
    """``n`` operations of ``tenant`` started by its system principal, then cancelled; returns
    once each has written its final record."""
    ops = await running_ops(http, tokens.tenant(tenant, "system"), site, n)
    admin = tokens.tenant(tenant, "admin")
    for op in ops:
        for _ in range(600):
            r = await http.post(f"/api/autonomous/{op}/cancel", headers=admin)
            if r.status_code in (200, 202, 409):
                break
            await asyncio.sleep(0.1)
    for op in ops:
        for _ in range(600):
            if (await http.get(f"/api/autonomous/status/{op}", headers=admin)).json()[
                "status"
            ] == "cancelled":
                break
            await asyncio.sleep(0.1)
    return ops
