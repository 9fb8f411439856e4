"""The audit trail's settings (issue 16): ``Settings.audit`` (``OMNIOPS_AUDIT__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AuditSettings(BaseModel):
    transit_mount: str = "transit"
    """Vault's Transit engine mount for the digest signatures."""
    transit_key: str = "omniops-audit"
    """The ed25519 Transit key that signs each tenant's chain head (never exported)."""
    digest_every_s: int = Field(default=3600, ge=60)
    """How often the digest schedule signs the chains that grew (hourly, issue 16 Build 1)."""
    digest_batch: int = Field(default=500, ge=1, le=10_000)
    """Chains signed per activity call (one heartbeat each)."""
    retention_days: int = Field(default=90, ge=1, le=3650)
    """Each data class's retention unless the tenant sets its own (seed 000 §2: 90 days)."""
    retention_every_s: int = Field(default=86_400, ge=60)
    """How often the retention schedule enforces it (daily, issue 16 Build 4)."""
    temporal_retention_days: int = Field(default=90, ge=1, le=3650)
    """Temporal's namespace retention of closed workflow histories (set at agent worker start)."""
