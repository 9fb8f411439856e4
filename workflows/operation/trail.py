"""The operation's audit trail and its background work (deterministic code only).

Every executed step (and every AI attempt, human confirmation and consent stop) gets one
``write_audit`` row, idempotent on (operation, step, attempt). Audit writes, credential metadata
and the session close run in the background so they do not hold up the next step; all of them are
awaited (:meth:`AuditTrail.drain`) before the operation's final status is written.
"""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.operation import activities as acts
    from workflows.operation.definition import StepDefinition
    from workflows.operation.messages import AuditInput, OperationInput


class AuditTrail:
    def __init__(self, inp: OperationInput) -> None:
        self._inp = inp
        self.written = 0
        """Audit rows written so far (the result's ``audited_steps``)."""
        self._background: list[asyncio.Future[Any]] = []

    def write(
        self,
        step_number: int,
        attempt: int,
        step: StepDefinition | None,
        success: bool,
        screenshot: str | None,
        error: str | None,
        duration_ms: int | None,
        action: str | None = None,
        intent: str | None = None,
        mode: str = "deterministic",
        reason: str | None = None,
        blocked_requests: int = 0,
    ) -> None:
        """Schedule one audit row now (intent at most 200 characters, action 500;
        ``blocked_requests``: requests the egress layer refused during the step)."""
        self.in_background(
            acts.start_write_audit(
                AuditInput(
                    operation_id=self._inp.operation_id,
                    tenant_id=self._inp.tenant_id,
                    step_number=step_number,
                    attempt=attempt,
                    intent=(intent or (step.intent if step else ""))[:200],
                    action=(action or (f"{step.action} {step.target}" if step else ""))[:500],
                    success=success,
                    mode=mode,
                    reason=reason,
                    screenshot_key=screenshot,
                    error=error,
                    duration_ms=duration_ms,
                    blocked_requests=blocked_requests,
                )
            )
        )
        self.written += 1

    def in_background(self, fut: asyncio.Future[Any]) -> None:
        self._background.append(fut)

    async def drain(self) -> None:
        """Wait for every background write scheduled so far."""
        pending, self._background = self._background, []
        await asyncio.gather(*pending)
