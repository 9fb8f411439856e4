"""The operation's browser session, as the workflow sees it (deterministic code only).

A session lives on one browser worker: ``open_session`` runs on the shared browser queue and
returns that worker's own queue, where ``run_step``, ``observe_page`` and ``close_session`` go.
If the worker dies, a new session is opened from the last checkpoint (an encrypted storage state).
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.operation import activities as acts
    from workflows.operation.browser_messages import (
        CloseSessionInput,
        Observation,
        ObserveInput,
        OpenSessionInput,
        SessionHandle,
        StepInput,
        StepResult,
    )
    from workflows.operation.definition import OperationDefinition, StepDefinition
    from workflows.operation.messages import OperationInput


class BrowserSession:
    def __init__(self, inp: OperationInput) -> None:
        self._inp = inp
        self.handle: SessionHandle | None = None

    @property
    def queue(self) -> str | None:
        """The task queue of the worker holding the session (None while none is open)."""
        return self.handle.task_queue if self.handle else None

    async def open(self, definition: OperationDefinition, checkpoint_key: str | None) -> None:
        """Open a session (from ``checkpoint_key`` when given) on some browser worker."""
        self.handle = await acts.open_session(
            OpenSessionInput(
                operation_id=self._inp.operation_id,
                tenant_id=self._inp.tenant_id,
                mask=definition.mask,
                checkpoint_key=checkpoint_key,
            ),
            self._inp.tuning,
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
        self, definition: OperationDefinition, idx: int, attempt: int, step: StepDefinition
    ) -> StepResult:
        """Step ``idx`` (0-based) as audit attempt ``attempt`` on the session's worker."""
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
