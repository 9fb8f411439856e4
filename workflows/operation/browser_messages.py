"""Messages of the browser session activities (``open_session``, ``run_step``, ``observe_page``,
``close_session``): the session lives on one worker and its steps go to that worker's queue.

No secret is ever a field here: screenshots travel as object-store keys, extracted credentials
as Vault paths and fingerprints.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.targets import Origin
from workflows.models import Frozen
from workflows.operation.definition import StepDefinition


class SitePin(Frozen):
    """One allowed ``host:port`` of the session and the vetted address the browser must use for
    it (core/targets.py ``Pin``); the first pin of a session is its registered origin."""

    scheme: str
    host: str
    port: int
    address: str

    @property
    def origin(self) -> str:
        """The serialized origin (core/targets.py ``Origin``: default port omitted)."""
        return str(Origin(self.scheme, self.host, self.port))


class PreparedSession(Frozen):
    """What ``prepare_session`` (agent queue) vetted for a new session: the pins (registered
    origin first, then the definition's ``allowed_domains``) and the admin credential
    response-wrapped for this session (a single-use Vault wrapping token, never the secret)."""

    pins: list[SitePin]
    credential_wrap: str | None = None


class OpenSessionInput(Frozen):
    operation_id: str
    tenant_id: str
    mask: list[str]
    checkpoint_key: str | None = None
    pins: list[SitePin] = Field(default_factory=list)
    """Empty only in histories from before issue 10 (the session then has no egress pin)."""
    credential_wrap: str | None = None


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
    mode: Literal["deterministic", "ai"] = "deterministic"
    """``ai``: the step was chosen by the AI (untrusted): the credential firewall checks the
    element's kind, and a form submit on a page not in ``named_paths`` needs ``confirmed``."""
    confirmed: bool = False
    """A person approved this AI action (``confirm_action``) after ``ConfirmationRequired``."""
    named_paths: list[str] = Field(default_factory=list)
    """Paths the definition names (its navigate targets and ``pages``)."""
    totp_field: str | None = None
    """The definition's selector of the one field a TOTP code may go into in AI mode."""


class StepResult(Frozen):
    success: bool
    duration_ms: int
    screenshot_key: str | None = None
    checkpoint_key: str | None = None
    credential_path: str | None = None
    credential_fingerprint: str | None = None
    credential_wrap: str | None = None
    """``extract``: the value response-wrapped by the browser worker (single-use token); the
    agent's ``record_credential`` unwraps it into Vault."""
    blocked_requests: int = 0
    """Requests the egress layer refused during this step (audited per step)."""
    blocked_origins: list[str] = Field(default_factory=list)
    """Up to 5 distinct refused origins (for the audit trail)."""


class CloseSessionInput(Frozen):
    operation_id: str
    tenant_id: str
    discard_checkpoint: bool = True


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
