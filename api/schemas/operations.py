"""Request and response bodies of the autonomous-operations API (separate from table models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NAME = r"^[a-z0-9_]{1,100}$"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class ConsentRequest(Body):
    action: Literal["grant", "revoke"]
    service: str = Field(pattern=NAME, max_length=50)
    operation: str = Field(pattern=NAME)
    permissions: list[str] | None = None
    expires_in_days: int | None = Field(default=None, ge=1, le=365)
    reason: str | None = Field(default=None, max_length=500)
    operation_id: str | None = Field(
        default=None, description="Signal only this operation (404 if not yours)"
    )


class ConsentView(BaseModel):
    id: str
    service: str
    operation: str
    permissions: list[str]
    user_id: str | None
    granted_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    ip_address: str | None
    user_agent: str | None


class ConsentResponse(BaseModel):
    action: str
    consent: ConsentView | None = None
    revoked: int = 0
    operations_signalled: list[str] = Field(default_factory=list)


class CredentialRequest(Body):
    service: str = Field(pattern=NAME, max_length=50)
    credential_type: str = Field(pattern=NAME, max_length=50)
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=4096, repr=False)
    site_url: str | None = Field(default=None, pattern=r"^https?://", max_length=500)
    totp_secret: str | None = Field(
        default=None,
        pattern=r"^[A-Z2-7]{16,128}=*$",
        repr=False,
        description="Base32 TOTP seed for two-factor logins (kept in Vault)",
    )


class CredentialView(BaseModel):
    service: str
    credential_type: str
    vault_path: str
    fingerprint: str
    site_url: str | None
    created_at: datetime
    last_rotated_at: datetime | None
    has_totp: bool = False


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


class HistoryItem(BaseModel):
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


class ConfirmRequest(Body):
    step_number: int = Field(ge=1)
    approve: bool
    reason: str | None = Field(default=None, max_length=500)
