"""Messages of the shared email outbox activity (``send_email`` on the messaging queue).

Used by the hourly cycle (issue 4) and the follow-up workflows. No secret is a field here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from workflows.citations import CiteRequest
from workflows.models import Frozen

OutboxStatus = Literal["sent", "dry_run", "blocked", "failed", "unknown"]


class SendEmailInput(Frozen):
    tenant_id: str
    idempotency_key: str = Field(min_length=1, max_length=300)
    """Exactly one message leaves per key, whatever the retries (the outbox row is unique on it)."""
    to_email: str = Field(min_length=3, max_length=320)
    subject: str = Field(max_length=300)
    body: str = Field(max_length=100_000)
    run_id: str | None = None
    cite: CiteRequest | None = None
    """Passages of the tenant's own documents to quote after ``body`` (issue 14 Build 6): the
    outbox row holds the body with its citation, so what was sent is what is recorded."""


class SendEmailResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: OutboxStatus
    message_id: str
    """The RFC 5322 Message-ID, derived from the idempotency key."""
    mode: str | None = None
    detail: str | None = None
    attempts: int = 0
