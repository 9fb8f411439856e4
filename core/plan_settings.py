"""Settings of multi-step plans (issue 15, Build 6): ``OMNIOPS_PLANS__*``."""

from __future__ import annotations

from pydantic import BaseModel


class PlanSettings(BaseModel):
    consent_timeout_s: int = 3600
    """How long a started plan waits for its one consent (seconds)."""
    resume_window_s: int = 7 * 24 * 3600
    """How long a plan whose step failed waits for ``POST .../resume`` (seconds) before it ends
    as failed; completed steps are never repeated by a resume."""
