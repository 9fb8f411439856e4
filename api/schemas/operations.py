"""Request and response bodies of the autonomous-operations routes (separate from table models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from pydantic import BaseModel, Field

from api.schemas.common import NAME, Body


class InitiateRequest(Body):
    service: str = Field(pattern=NAME, max_length=50)
    operation: str = Field(pattern=NAME)
    consent: bool = False
    permissions: list[str] | None = None
    inputs: dict[str, str] = Field(default_factory=dict)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)


class InitiateResponse(BaseModel):
    operation_id: str
    workflow_id: str
    status: str


class OperationView(BaseModel):
    operation_id: str
    workflow_id: str
    status: str
    current_step: int | None = None
    total_steps: int | None = None
    intent: str | None = None
    last_screenshot_key: str | None = None
    session_queue: str | None = None
    """The browser worker's own task queue while a session is open (for operators)."""
    reason: str | None = None
    result: dict[str, Any] | None = None
    awaiting_confirmation: int | None = None
    """The sensitive step waiting for POST /api/autonomous/{id}/confirm."""
    self_healing: str = "unknown"
    """available | unavailable (no Anthropic API key) | unknown (not needed yet)."""
    llm: dict[str, Any] | None = None
    """LLM calls, tokens and cost (USD) so far."""
    stale: bool = False
    """True when read from Postgres because no worker answered the live query."""


class HistoryItem(TypedDict):
    """One history entry. A TypedDict, not a model: a page is up to 500 of them, built from
    stored rows that need no validation, and encoded by msgspec directly (issue 17: building and
    dumping 50 pydantic models cost more CPU than the query)."""

    operation_id: str
    workflow_id: str
    service: str | None
    operation: str | None
    status: str | None
    execution_status: str | None
    started_at: datetime | None
    closed_at: datetime | None


class ServiceView(BaseModel):
    service: str
    operation: str
    version: int
    description: str
    permissions: list[str]
    inputs: list[str]
    steps: int
    agent_steps: int
    """Steps the AI drives (intent only)."""
    versions: list[int] = []
    """Every version loaded (``version`` is the current one; running operations keep theirs)."""
    connection_test: list[str] = []
    """The connection test's request names, in order (empty: none)."""


class ReloadView(BaseModel):
    """``POST /api/autonomous/services/reload`` (issue 15 Build 2)."""

    loaded: list[str]
    """``service/operation@vN`` of every definition in use after the reload."""
    rejected: dict[str, str]
    """File -> why it was rejected, naming the field; the version loaded before it stays."""


class ConfirmRequest(Body):
    step_number: int = Field(ge=1)
    approve: bool
    reason: str | None = Field(default=None, max_length=500)
