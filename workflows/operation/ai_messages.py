"""Messages of the AI step (``decide_action``): what the model sees and what it chose, with usage.

Credentials appear only as ``{{credential.x}}`` placeholders.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from workflows.models import Frozen
from workflows.operation.browser_messages import Observation

AIActionName = Literal["click", "fill", "select", "press", "navigate", "wait", "extract", "done", "give_up"]
"""The method allowlist: the only actions the model can choose (seed 001, method whitelisting)."""


class AIAction(Frozen):
    action: AIActionName
    selector: str | None = Field(default=None, max_length=500)
    value: str | None = Field(default=None, max_length=500)
    url: str | None = Field(default=None, max_length=2000)
    reason: str = Field(default="", max_length=500)


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
