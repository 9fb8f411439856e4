"""Dependency-outage settings (issue 17, Build 7; env ``OMNIOPS_RESILIENCE__*``)."""

from __future__ import annotations

from pydantic import BaseModel


class ResilienceSettings(BaseModel):
    """How activities wait out a dependency outage (core/outage_interceptor.py) and how long the
    health route waits for each dependency (api/services/health.py)."""

    wait_out: bool = True
    """Wait a transient outage out inside the attempt (re-running the idempotent activity with
    backoff until its start-to-close deadline) instead of failing the attempt at once."""
    first_backoff_s: float = 1.0
    """First wait after a transient failure, seconds; doubles each time."""
    max_backoff_s: float = 10.0
    """Longest wait between two tries inside one attempt, seconds (bounded backoff)."""
    deadline_margin_s: float = 2.0
    """Seconds kept before the attempt's deadline to report the outage as a short failure."""
    probe_timeout_s: float = 1.5
    """Each dependency's health probe timeout, seconds (``GET /api/health``)."""
    imap_host: str | None = None
    """The platform's IMAP server the health route probes (its greeting); None: not configured."""
    imap_port: int | None = None
