"""``GET /api/health``: each dependency's state for operators (issue 17, Build 7). ``/healthz``
stays the public liveness probe. Authz rows: api/authz/rows_health.py."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from api.schemas.health import DependencyHealth
from api.services.health import HealthService


class HealthController(Controller):
    path = "/api/health"
    tags = ["health"]

    @get("/", operation_id="dependencyHealth")
    async def dependency_states(self, health: NamedDependency[HealthService]) -> DependencyHealth:
        """Postgres, Vault, Temporal, SMTP, IMAP and the LLM peer: ok, down or not_configured."""
        return await health.check()
