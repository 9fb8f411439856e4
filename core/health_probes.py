"""Dependency probes for the health route (issue 17, Build 7): each answers ``"ok"``, ``"down"``
or ``"not_configured"`` within a short timeout, and never raises.

A frozen server still accepts TCP connections (the kernel completes the handshake), so SMTP and
IMAP are probed by their greeting (``220``, ``* OK``), Vault by ``/v1/sys/health`` and the LLM
peer by any HTTP answer. Blocking probes run in a thread that is abandoned after the timeout.
No probe result names an address.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Literal

import httpx

State = Literal["ok", "down", "not_configured"]

VAULT_UP = {200, 429, 472, 473}
"""``/v1/sys/health`` codes of a serving Vault (active, standby, DR or performance standby)."""


def greeting(host: str, port: int, prefix: bytes, timeout_s: float) -> bool:
    """True when a TCP server at ``host:port`` greets with ``prefix`` within ``timeout_s``."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            sock.settimeout(timeout_s)
            return sock.recv(64).startswith(prefix)
    except OSError:
        return False


async def bounded(probe: Callable[[], Awaitable[bool]], timeout_s: float) -> State:
    """``ok`` when ``probe`` answers True within ``timeout_s``, else ``down`` (errors included)."""
    try:
        return "ok" if await asyncio.wait_for(probe(), timeout_s) else "down"
    except Exception:  # any failure is "down": the route reports states, the logs keep details
        return "down"


async def in_thread(fn: Callable[[], bool], timeout_s: float) -> State:
    """A blocking probe in a thread, bounded like :func:`bounded`."""
    return await bounded(lambda: asyncio.to_thread(fn), timeout_s)


async def http_ok(url: str, timeout_s: float, ok: set[int] | None = None) -> State:
    """``ok`` when ``url`` answers (with a status in ``ok``, when given) within ``timeout_s``."""

    async def probe() -> bool:
        async with httpx.AsyncClient(timeout=timeout_s) as http:
            r = await http.get(url)
            return ok is None or r.status_code in ok

    return await bounded(probe, timeout_s)


async def smtp(host: str, port: int, timeout_s: float) -> State:
    return await in_thread(lambda: greeting(host, port, b"220", timeout_s), timeout_s + 0.5)


async def imap(host: str | None, port: int | None, timeout_s: float) -> State:
    if not host or not port:
        return "not_configured"
    return await in_thread(lambda: greeting(host, port, b"* OK", timeout_s), timeout_s + 0.5)


async def vault(addr: str, timeout_s: float) -> State:
    return await http_ok(f"{addr.rstrip('/')}/v1/sys/health", timeout_s, VAULT_UP)


async def llm(base_url: str | None, configured: bool, timeout_s: float) -> State:
    """Any HTTP answer from the Messages API's host counts (a 404 on ``/`` too)."""
    if not configured:
        return "not_configured"
    return await http_ok(base_url or "https://api.anthropic.com", timeout_s)
