"""Temporal messages of AutonomousOperationWorkflow: its input and result, the signals and the
``status`` query, and the inputs of its DB, Vault and connection-test activities.

No secret is ever a field here: credentials travel as Vault paths and fingerprints, and
screenshots as object-store keys.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from workflows.models import Frozen
from workflows.operation.ai_messages import AIDecision
from workflows.operation.browser_messages import SitePin
from workflows.operation.definition import ConnectionTest

SelfHealing = Literal["unknown", "available", "unavailable"]
"""Whether the AI could heal a step: not asked yet, answered, or no API key."""


class OperationStatus(StrEnum):
    """Operation statuses (seed 001, "Operation Service" states)."""

    AWAITING_CONSENT = "awaiting_consent"
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


# --- workflow input/result/query/signals --------------------------------------------------


class OperationTuning(Frozen):
    """Timeouts the workflow uses (from settings via the starter; workflows read no env)."""

    consent_timeout_s: int = 3600
    step_timeout_s: int = 60
    step_heartbeat_s: int = 5
    session_schedule_to_start_s: int = 15
    max_session_reopens: int = 3
    browser_queue: str = "operations"
    """Shared queue where open_session runs (core.queues.OPERATIONS)."""
    ai_max_actions: int = 20
    """Step budget: AI-chosen actions per operation (self-healing and agent mode together)."""
    ai_max_cost_usd: float = 1.0
    """Cost budget per operation, from token usage at the configured prices."""
    ai_actions_per_step: int = 6
    confirmation_timeout_s: int = 900
    """How long a sensitive step waits for its human confirmation."""


class PlanScope(Frozen):
    """The plan an operation runs in (issue 15): the plan's one consent covers it, so it never
    waits for its own; the workflow still checks that consent record (``verify_consent``)."""

    plan: str
    plan_id: str
    consent_id: str


class OperationInput(Frozen):
    operation_id: str
    tenant_id: str
    service: str
    operation: str
    user_id: str | None = None
    initiated_by: Literal["user", "system"] = "user"
    inputs: dict[str, str] = Field(default_factory=dict)
    tuning: OperationTuning = Field(default_factory=OperationTuning)
    plan: PlanScope | None = None


class ConsentGrant(Frozen):
    consent_id: str
    granted_by: str | None = None
    expires_at: datetime | None = None


class ConfirmationDecision(Frozen):
    """The ``confirm_action`` signal: a person approves or declines one sensitive step."""

    step_number: int = Field(ge=1)
    approved: bool
    by: str | None = None
    reason: str | None = Field(default=None, max_length=500)
    confirmation_id: str | None = None
    """The ``operation_confirmations`` row the API persisted; the workflow honours only a
    decision whose record it finds (signals are hints, records are the truth)."""


class ConsentRevoke(Frozen):
    revoked_by: str | None = None
    reason: str | None = None


class LLMUsage(Frozen):
    """LLM calls, tokens and cost (USD) of one operation."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    def plus(self, d: AIDecision) -> LLMUsage:
        return LLMUsage(
            calls=self.calls + 1,
            input_tokens=self.input_tokens + d.input_tokens,
            output_tokens=self.output_tokens + d.output_tokens,
            cost_usd=round(self.cost_usd + d.cost_usd, 6),
        )


class OperationResult(Frozen):
    operation_id: str
    status: OperationStatus
    credential_path: str | None = None
    credential_fingerprint: str | None = None
    connection_test_passed: bool | None = None
    audited_steps: int = 0
    reason: str | None = None
    llm: LLMUsage = Field(default_factory=LLMUsage)
    self_healing: SelfHealing = "unknown"


class OperationProgress(Frozen):
    """The ``status`` query (seed 000: status, currentStep, totalSteps; seed 001 intent)."""

    operation_id: str
    status: OperationStatus
    current_step: int
    total_steps: int
    intent: str | None = None
    last_screenshot_key: str | None = None
    session_queue: str | None = None
    reason: str | None = None
    result: OperationResult | None = None
    self_healing: SelfHealing = "unknown"
    llm: LLMUsage = Field(default_factory=LLMUsage)
    awaiting_confirmation: int | None = None
    """The sensitive step waiting for a confirm_action signal, if any."""


# --- activity messages --------------------------------------------------------------------


class LoadDefinitionInput(Frozen):
    service: str
    operation: str


class ConsentLookupInput(Frozen):
    tenant_id: str
    service: str
    operation: str


class ConsentLookupResult(Frozen):
    grant: ConsentGrant | None = None


class SyncOperationInput(Frozen):
    operation_id: str
    tenant_id: str
    workflow_id: str
    service: str
    operation: str
    user_id: str | None
    status: OperationStatus
    total_steps: int | None = None
    current_step: int | None = None
    consent_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    result: dict[str, Any] | None = None


class AuditInput(Frozen):
    operation_id: str
    tenant_id: str
    step_number: int
    attempt: int
    intent: str
    action: str
    success: bool
    mode: str = "deterministic"
    reason: str | None = None
    """Why this mode acted (e.g. the AI's reason, or the deterministic failure it healed)."""
    screenshot_key: str | None = None
    error: str | None = None
    duration_ms: int | None = None
    blocked_requests: int = 0
    """Requests the egress layer refused during the step."""


class RecordCredentialInput(Frozen):
    tenant_id: str
    service: str
    credential_type: str
    vault_path: str
    fingerprint: str
    site_url: str | None = None
    created_by: str | None = None
    credential_wrap: str | None = None
    """The extracted value, response-wrapped by the browser worker: unwrapped into Vault here."""
    admin_credential: str | None = None
    """The credential type whose username the new credential carries."""


class ConnectionTestInput(Frozen):
    tenant_id: str
    service: str
    credential_type: str
    admin_credential: str
    site_url: str
    test: ConnectionTest
    pins: list[SitePin] = Field(default_factory=list)
    """The vetted pins of the operation's session: the test connects to the registered origin's
    vetted address and never follows a redirect (empty only in pre-issue-10 histories)."""


class ConnectionTestResult(Frozen):
    passed: bool
    status_code: int
    detail: str
