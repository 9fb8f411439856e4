"""Integration health, rotation and notification settings (issue 15 Builds 4, 5, 7; env
``OMNIOPS_INTEGRATIONS__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class IntegrationSettings(BaseModel):
    """Health checks (daily, with jitter), rotation (90 days by default, seed 000 §1) and
    webhook delivery (Standard Webhooks, seed 000 §2)."""

    health_every_s: int = Field(default=86_400, ge=60)
    """Each stored integration credential's health-check interval, seconds (daily)."""
    health_jitter_s: int = Field(default=3_600, ge=0)
    """A health check starts up to this many seconds after its interval (spreads the browser load)."""
    rotation_days: int = Field(default=90, ge=1, le=3650)
    """Default rotation period, days (seed 000 §1); a tenant overrides it (``integration_settings``)."""
    rotation_day_s: int = Field(default=86_400, ge=1)
    """Seconds in a rotation "day" (tests shorten it; production leaves 86,400)."""
    revoke_attempts: int = Field(default=5, ge=1, le=50)
    """Runs of the revoking operation before a rotation gives up (the old credential stays recorded
    as pending revocation and the integration ``revoke_failed``)."""
    revoke_retry_s: int = Field(default=300, ge=1)
    """Wait between two revoke runs, seconds (durable timer)."""
    webhook_failure_limit: int = Field(default=5, ge=1, le=100)
    """Failed delivery attempts in a row after which an endpoint is disabled, with an alert."""
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=60)
    """One webhook POST's timeout, seconds."""
    loopback_envs: tuple[str, ...] = ("dev", "test")
    """``settings.env`` values in which a webhook may be plain http on a loopback address (a
    local receiver); anywhere else https to a public address only."""
