"""``GET /api/autonomous/credentials/{id}/access-log`` (issue 15 Build 8): who read a credential."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class CredentialAccessView(BaseModel):
    accessed_at: datetime
    purpose: str
    """e.g. ``connection_test``, ``prepare_session``, ``record_credential``."""
    activity: str
    """The activity that read it."""
    operation_id: str | None
    step_number: int | None
    workflow_id: str | None
    vault_path: str
