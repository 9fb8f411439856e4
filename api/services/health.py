"""Dependency health (issue 17, Build 7): Postgres, Vault, Temporal, SMTP, IMAP and the LLM peer,
probed concurrently, each within ``resilience.probe_timeout_s`` (core/health_probes.py), so the
route answers in about that time even while a dependency is frozen."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool
from temporalio.client import Client

from api.schemas.health import DependencyHealth
from core import health_probes as probe
from core.settings import Settings
from schema.db import platform_transaction


class HealthService:
    def __init__(self, client: Client, engine: Engine, settings: Settings) -> None:
        self.client, self.settings = client, settings
        # its own unpooled engine with a connect timeout: a frozen Postgres never holds the API's
        # pool, and a probe's thread ends within the timeout too
        timeout = max(1, round(settings.resilience.probe_timeout_s))
        self.engine = create_engine(engine.url, poolclass=NullPool, connect_args={"connect_timeout": timeout})

    def _postgres(self) -> bool:
        with platform_transaction(self.engine, "dependency health probe") as s:
            return s.execute(text("SELECT 1")).scalar() == 1

    async def _temporal(self, timeout_s: float) -> bool:
        return await self.client.service_client.check_health(timeout=timedelta(seconds=timeout_s))

    async def check(self) -> DependencyHealth:
        """Every dependency's state; ``degraded`` when any configured one is down."""
        s, t = self.settings, self.settings.resilience.probe_timeout_s
        r = s.resilience
        names = ("postgres", "vault", "temporal", "smtp", "imap", "llm")
        states = await asyncio.gather(
            probe.in_thread(self._postgres, t),
            probe.vault(s.vault.addr, t),
            probe.bounded(lambda: self._temporal(t), t),
            probe.smtp(s.email.smtp_host, s.email.smtp_port, t),
            probe.imap(r.imap_host, r.imap_port, t),
            probe.llm(s.llm.base_url, s.llm.api_key is not None, t),
        )
        deps = dict(zip(names, states, strict=True))
        return DependencyHealth(status="degraded" if "down" in deps.values() else "ok", dependencies=deps)
