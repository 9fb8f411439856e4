"""Response bodies of ``GET /api/inbox/signals`` (issue 13 Build 8)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from workflows.mail_models import SignalKind


class SignalView(BaseModel):
    """An ``opportunity_signals`` row. ``evidence`` is text from a client's email: data, not markup."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    inbound_message_id: str
    contact_id: str | None
    account_id: str | None
    kind: SignalKind
    strength: float
    evidence: str
    created_at: datetime
    acted_on_at: datetime | None


class SignalPage(BaseModel):
    items: list[SignalView]
    next_cursor: str | None
    """Pass as ``cursor`` for the next page; null on the last."""
