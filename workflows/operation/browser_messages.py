"""Messages of the browser session activities (``open_session``, ``run_step``, ``observe_page``,
``close_session``): the session lives on one worker and its steps go to that worker's queue.

No secret is ever a field here: screenshots travel as object-store keys, extracted credentials
as Vault paths and fingerprints.
"""

from __future__ import annotations

from pydantic import Field

from workflows.models import Frozen
from workflows.operation.definition import StepDefinition


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
