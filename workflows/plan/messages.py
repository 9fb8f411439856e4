"""Temporal messages of PlanWorkflow (issue 15, Build 6): its input and result, the ``resume``
signal and the ``status`` query. The consent signals are the operation's (``ConsentGrant``,
``ConsentRevoke``). No secret is a field here: steps report ids and Vault paths only.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from workflows.models import Frozen
from workflows.operation.messages import OperationTuning
from workflows.plan.definition import PlanDefinition


class PlanStatus(StrEnum):
    AWAITING_CONSENT = "awaiting_consent"
    IN_PROGRESS = "in_progress"
    FAILED = "failed"
    """A step failed: the plan waits up to ``resume_window_s`` for a ``resume`` signal."""
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PlanTuning(Frozen):
    """Plan timeouts (from settings via the starter; workflows read no settings)."""

    consent_timeout_s: int = 3600
    """How long the plan waits for its one consent."""
    resume_window_s: int = 7 * 24 * 3600
    """How long a failed plan waits for ``resume`` before it ends as failed."""


class PlanInput(Frozen):
    plan_id: str
    tenant_id: str
    user_id: str | None = None
    definition: PlanDefinition
    """Loaded and checked by the API at start: a running plan keeps the version it started with."""
    permissions: list[str]
    """The union of the operations' permissions: what the one consent covers."""
    inputs: dict[str, str] = Field(default_factory=dict)
    tuning: PlanTuning = Field(default_factory=PlanTuning)
    operation_tuning: OperationTuning = Field(default_factory=OperationTuning)


class PlanResume(Frozen):
    """The ``resume`` signal: retry the failed step, then go on (completed steps never rerun)."""

    requested_by: str | None = None


class PlanStepState(Frozen):
    number: int
    service: str
    operation: str
    status: StepStatus = StepStatus.PENDING
    attempts: int = 0
    operation_id: str | None = None
    """The operation of the latest attempt (each attempt is its own operation and audit trail)."""
    credential_path: str | None = None
    credential_fingerprint: str | None = None
    reason: str | None = None


class PlanProgress(Frozen):
    """The ``status`` query; also the workflow's result."""

    plan_id: str
    plan: str
    version: int
    status: PlanStatus
    permissions: list[str]
    steps: list[PlanStepState]
    consent_id: str | None = None
    reason: str | None = None
