"""Request and response bodies of the multi-step plan routes (``/api/autonomous/plans``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import NAME, Body


class StartPlanRequest(Body):
    plan: str = Field(pattern=NAME)
    inputs: dict[str, str] = Field(default_factory=dict)
    consent: bool = Field(
        default=False,
        description="Grant the plan's consent (the union of its permissions) now; else it waits",
    )


class PlanConsentRequest(Body):
    action: Literal["grant", "revoke"]
    expires_in_days: int | None = Field(default=None, ge=1, le=365)
    reason: str | None = Field(default=None, max_length=500)


class PlanOperationView(BaseModel):
    service: str
    operation: str
    permissions: list[str]


class PlanPreview(BaseModel):
    """What the customer consents to before a run: every operation and the union of permissions."""

    plan: str
    version: int
    description: str
    inputs: list[str]
    permissions: list[str]
    operations: list[PlanOperationView]


class PlanStepView(BaseModel):
    number: int
    service: str
    operation: str
    status: str
    attempts: int
    operation_id: str | None = None
    credential_path: str | None = None
    reason: str | None = None


class PlanView(BaseModel):
    plan_id: str
    workflow_id: str
    plan: str
    version: int
    status: str
    permissions: list[str]
    """The union of the operations' permissions: what the plan's one consent covers."""
    steps: list[PlanStepView]
    consent_id: str | None = None
    reason: str | None = None
