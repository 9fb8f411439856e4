"""Typed messages of AutonomousOperationWorkflow: one input and one result model each.

No secret is ever a field here: credentials travel as Vault paths and fingerprints, and
screenshots as object-store keys.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, model_validator

from workflows.models import Frozen


class OperationStatus(StrEnum):
    """Operation statuses (seed 001, "Operation Service" states)."""

    AWAITING_CONSENT = "awaiting_consent"
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


# --- definitions (data files under definitions/, validated by these models) -------------

Action = Literal["navigate", "fill", "click", "press", "select", "wait", "extract"]


class RetrySpec(Frozen):
    max_attempts: int = Field(default=3, ge=1, le=10)
    initial_interval_s: float = Field(default=1.0, gt=0)
    backoff: float = Field(default=2.0, ge=1)


class StepDefinition(Frozen):
    """One step. With ``action``/``target`` it runs deterministically (self-healing by the AI
    when the selector is missing or the expected result does not appear); with only an
    ``intent`` the AI drives it (agent mode)."""

    intent: str = Field(max_length=200)
    action: Action | None = None
    target: str | None = Field(default=None, description="CSS selector, or a site-relative path for navigate")
    value: str | None = Field(default=None, description="May hold {{credential.x}}/{{input.x}}")
    expected: str | None = Field(default=None, description="Selector that must appear afterwards")
    error_selector: str | None = Field(
        default=None,
        description="Selector that, if it appears instead, means the site refused the credentials",
    )
    store_as: str | None = Field(default=None, description="extract: credential type to write")
    checkpoint: bool = Field(default=False, description="Page may be reloaded from its URL after this")
    sensitive: bool = Field(default=False, description="Waits for a human confirm_action signal first")
    timeout_s: float = Field(default=15.0, gt=0, le=300)
    selector_wait_s: float = Field(default=5.0, gt=0, le=60)
    """How long the target may take to appear; after that it is missing (fails at once, no retry)."""
    retry: RetrySpec = Field(default_factory=RetrySpec)

    @model_validator(mode="after")
    def _target_with_action(self) -> StepDefinition:
        if self.action is not None and not self.target:
            raise ValueError(f"step {self.intent!r}: action {self.action} needs a target")
        return self


class ConnectionTest(Frozen):
    method: Literal["GET", "POST"] = "GET"
    path: str
    auth: Literal["basic"] = "basic"
    username_from: str = "credential.username"
    expect_status: int = 200


class OperationDefinition(Frozen):
    schema_version: Literal[1] = 1
    service: str = Field(pattern=r"^[a-z0-9_]{1,50}$")
    operation: str = Field(pattern=r"^[a-z0-9_]{1,100}$")
    version: int = Field(ge=1)
    description: str = ""
    credential: str = Field(description="Vault credential type the steps read, e.g. admin")
    permissions: list[str]
    inputs: list[str] = Field(default_factory=lambda: ["site_url"])
    mask: list[str] = Field(default_factory=lambda: ["input[type=password]"])
    goal: str = Field(default="", description="What the whole operation achieves (shown to the AI)")
    allowed_domains: list[str] = Field(
        default_factory=list, description="Hosts navigation may reach besides the site_url host"
    )
    steps: list[StepDefinition] = Field(min_length=1)
    connection_test: ConnectionTest | None = None


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


class OperationInput(Frozen):
    operation_id: str
    tenant_id: str
    service: str
    operation: str
    user_id: str | None = None
    initiated_by: Literal["user", "system"] = "user"
    inputs: dict[str, str] = Field(default_factory=dict)
    tuning: OperationTuning = Field(default_factory=OperationTuning)


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
    self_healing: Literal["unknown", "available", "unavailable"] = "unknown"


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
    self_healing: Literal["unknown", "available", "unavailable"] = "unknown"
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


# --- the AI step ----------------------------------------------------------------------------

AIActionName = Literal["click", "fill", "select", "press", "navigate", "wait", "extract", "done", "give_up"]
"""The method allowlist: the only actions the model can choose (seed 001, method whitelisting)."""


class AIAction(Frozen):
    action: AIActionName
    selector: str | None = Field(default=None, max_length=500)
    value: str | None = Field(default=None, max_length=500)
    url: str | None = Field(default=None, max_length=2000)
    reason: str = Field(default="", max_length=500)


class PageElement(Frozen):
    selector: str
    tag: str
    type: str | None = None
    text: str = ""


class ObserveInput(Frozen):
    operation_id: str
    tenant_id: str
    step_number: int
    attempt: int


class Observation(Frozen):
    screenshot_key: str
    path: str
    elements: list[PageElement]
    page_text: str


class DecideInput(Frozen):
    operation_id: str
    tenant_id: str
    goal: str
    intent: str
    expected: str | None
    value_hint: str | None
    """The step's value template (placeholders only, never a secret)."""
    placeholders: list[str]
    observation: Observation
    history: list[str] = Field(default_factory=list)


class AIDecision(Frozen):
    valid: bool
    action: AIAction | None = None
    rejected_reason: str | None = None
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


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


class OpenSessionInput(Frozen):
    operation_id: str
    tenant_id: str
    mask: list[str]
    checkpoint_key: str | None = None


class SessionHandle(Frozen):
    task_queue: str
    worker_id: str


class StepInput(Frozen):
    operation_id: str
    tenant_id: str
    service: str
    credential: str
    step_number: int
    attempt: int
    step: StepDefinition
    inputs: dict[str, str]
    allowed_domains: list[str] = Field(default_factory=list)


class StepResult(Frozen):
    success: bool
    duration_ms: int
    screenshot_key: str | None = None
    checkpoint_key: str | None = None
    credential_path: str | None = None
    credential_fingerprint: str | None = None


class CloseSessionInput(Frozen):
    operation_id: str
    tenant_id: str
    discard_checkpoint: bool = True


class RecordCredentialInput(Frozen):
    tenant_id: str
    service: str
    credential_type: str
    vault_path: str
    fingerprint: str
    site_url: str | None = None
    created_by: str | None = None


class ConnectionTestInput(Frozen):
    tenant_id: str
    service: str
    credential_type: str
    admin_credential: str
    site_url: str
    test: ConnectionTest


class ConnectionTestResult(Frozen):
    passed: bool
    status_code: int
    detail: str
