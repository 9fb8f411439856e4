"""The operation definition schema: the YAML data files under ``definitions/`` (one per service
operation), validated by these models when the registry loads them.

A step with ``action``/``target`` runs deterministically; a step with only an ``intent`` is driven
by the AI (agent mode). Values hold placeholders (``{{credential.x}}``, ``{{input.x}}``), never a
secret.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from workflows.models import Frozen

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
    pages: list[str] = Field(
        default_factory=list,
        description="Site paths besides the navigate targets where an AI form submit needs no confirmation",
    )
    totp_field: str | None = Field(
        default=None, description="Selector of the field the TOTP code goes into (AI mode)"
    )
    steps: list[StepDefinition] = Field(min_length=1)
    connection_test: ConnectionTest | None = None
    test_credential: str | None = Field(
        default=None,
        description="Credential type the connection test uses when no step extracts one "
        "(an operation that checks a credential an earlier one stored, e.g. in a plan)",
    )
