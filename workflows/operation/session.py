"""The operation's browser session, as the workflow sees it (deterministic code only).

A session lives on one browser worker: ``open_session`` runs on the shared browser queue and
returns that worker's own queue, where ``run_step``, ``observe_page`` and ``close_session`` go.
If the worker dies, a new session is opened from the last checkpoint (an encrypted storage state).

Before every open (the first and each reopen), ``prepare_session`` (agent queue) re-vets the
target against the tenant's registered credential and the allowlist, resolves and pins it, and
response-wraps the admin credential for that one session (issue 10, patch :data:`SESSION_PREPARED`;
old histories opened without it). A refused target raises ``ActivityError`` (``TargetRefused``).
"""

from __future__ import annotations

from typing import Literal

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    import ada_url

    from workflows.operation import activities as acts
    from workflows.operation import trust_activities as trust
    from workflows.operation.browser_messages import (
        CloseSessionInput,
        Observation,
        ObserveInput,
        OpenSessionInput,
        SessionHandle,
        SitePin,
        StepInput,
        StepResult,
    )
    from workflows.operation.definition import OperationDefinition, StepDefinition
    from workflows.operation.messages import OperationInput
    from workflows.operation.trust_messages import PrepareSessionInput

SESSION_PREPARED = "operation-session-prepared"
"""Patch id: every session open is preceded by ``prepare_session`` (vetted pins and a wrapped
credential), the extracted credential is recorded (awaited) before the connection test, and the
test uses the session's pins. Before it, sessions opened unvetted (old histories)."""


def named_paths(definition: OperationDefinition) -> list[str]:
    """Paths the definition names: its navigate targets' paths, then ``pages`` (issue 10: an AI
    form submit elsewhere waits for a person's confirmation). Parsed by the WHATWG standard."""
    paths: list[str] = []
    for target in [s.target for s in definition.steps if s.action == "navigate" and s.target]:
        try:
            paths.append(ada_url.URL(target, "https://site.invalid").pathname)
        except ValueError:
            continue
    return list(dict.fromkeys([*paths, *definition.pages]))


class BrowserSession:
    def __init__(self, inp: OperationInput) -> None:
        self._inp = inp
        self.handle: SessionHandle | None = None
        self.pins: list[SitePin] = []
        """The vetted pins of the open session (registered origin first; empty before the patch)."""

    @property
    def queue(self) -> str | None:
        """The task queue of the worker holding the session (None while none is open)."""
        return self.handle.task_queue if self.handle else None

    async def open(self, definition: OperationDefinition, checkpoint_key: str | None) -> None:
        """Open a session (from ``checkpoint_key`` when given) on some browser worker, after
        ``prepare_session`` vetted the target (raises ``ActivityError`` when it refused)."""
        inp, wrap = self._inp, None
        if workflow.patched(SESSION_PREPARED):
            prepared = await trust.prepare_session(
                PrepareSessionInput(
                    tenant_id=inp.tenant_id,
                    service=inp.service,
                    credential_type=definition.credential,
                    site_url=inp.inputs.get("site_url", ""),
                    allowed_domains=definition.allowed_domains,
                )
            )
            self.pins, wrap = prepared.pins, prepared.credential_wrap
        self.handle = await acts.open_session(
            OpenSessionInput(
                operation_id=inp.operation_id,
                tenant_id=inp.tenant_id,
                mask=definition.mask,
                checkpoint_key=checkpoint_key,
                pins=self.pins,
                credential_wrap=wrap,
            ),
            inp.tuning,
        )

    async def close(self, discard_checkpoint: bool = True) -> None:
        """Close the session if one is open; a worker that is gone is only logged."""
        if self.handle is None:
            return
        handle, self.handle = self.handle, None
        try:
            await acts.close_session(
                CloseSessionInput(
                    operation_id=self._inp.operation_id,
                    tenant_id=self._inp.tenant_id,
                    discard_checkpoint=discard_checkpoint,
                ),
                handle,
            )
        except ActivityError:
            workflow.logger.warning("close_session failed; the worker is gone or the session was lost")

    async def run_step(
        self,
        definition: OperationDefinition,
        idx: int,
        attempt: int,
        step: StepDefinition,
        mode: Literal["deterministic", "ai"] = "deterministic",
        confirmed: bool = False,
    ) -> StepResult:
        """Step ``idx`` (0-based) as audit attempt ``attempt`` on the session's worker; ``mode``
        ``ai`` for an AI-chosen action, ``confirmed`` once a person approved it."""
        assert self.handle is not None
        inp = self._inp
        return await acts.run_step(
            StepInput(
                operation_id=inp.operation_id,
                tenant_id=inp.tenant_id,
                service=inp.service,
                credential=definition.credential,
                step_number=idx + 1,
                attempt=attempt,
                step=step,
                inputs={**inp.inputs, "operation_id": inp.operation_id},
                allowed_domains=definition.allowed_domains,
                mode=mode,
                confirmed=confirmed,
                named_paths=named_paths(definition),
                totp_field=definition.totp_field,
            ),
            self.handle,
            inp.tuning,
            step.retry,
        )

    async def observe(self, step_number: int, attempt: int) -> Observation:
        """What the AI may see of the page now (masked screenshot key, elements, text)."""
        assert self.handle is not None
        return await acts.observe_page(
            ObserveInput(
                operation_id=self._inp.operation_id,
                tenant_id=self._inp.tenant_id,
                step_number=step_number,
                attempt=attempt,
            ),
            self.handle,
            self._inp.tuning,
        )
