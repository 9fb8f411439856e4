"""One step of an operation (deterministic code only): a sensitive step's human confirmation,
then the step itself, deterministic first, healed by the AI on ``StepFailed``, or driven by
the AI when the step gives only an intent (agent mode).

:class:`StepRunner` is the :class:`~workflows.operation.ai_driver.AIStepHost` of the AI driver.
"""

from __future__ import annotations

import builtins
from typing import Literal

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.operation import announce
    from workflows.operation.ai_driver import AIStepDriver
    from workflows.operation.browser_messages import Observation, StepResult
    from workflows.operation.consent import ConsentGate
    from workflows.operation.definition import OperationDefinition, StepDefinition
    from workflows.operation.errors import (
        ConsentStop,
        StepAbort,
        StepDeclined,
        failure_screenshot,
        failure_text,
        healable,
    )
    from workflows.operation.messages import OperationInput, OperationStatus
    from workflows.operation.progress import Progress
    from workflows.operation.session import BrowserSession
    from workflows.operation.signals import SignalChecks
    from workflows.operation.trail import AuditTrail


class StepRunner:
    def __init__(
        self,
        inp: OperationInput,
        consent: ConsentGate,
        progress: Progress,
        session: BrowserSession,
        trail: AuditTrail,
    ) -> None:
        self._inp = inp
        self._consent = consent
        self._progress = progress
        self._session = session
        self._trail = trail
        self.checks = SignalChecks(inp, trail)
        self.ai = AIStepDriver(self, inp)

    # --- AIStepHost -------------------------------------------------------------------------
    def consent_stopped(self) -> bool:
        return self._consent.stop_reason() is not None

    async def observe(self, step_number: int, attempt: int) -> Observation:
        return await self._session.observe(step_number, attempt)

    async def run_step(
        self,
        definition: OperationDefinition,
        idx: int,
        attempt: int,
        step: StepDefinition,
        mode: Literal["deterministic", "ai"] = "deterministic",
        confirmed: bool = False,
    ) -> StepResult:
        return await self._session.run_step(definition, idx, attempt, step, mode, confirmed)

    async def confirm_ai(self, idx: int, attempts: list[int], step: StepDefinition, what: str) -> None:
        """Wait for a person to approve the AI action ``what`` on step ``idx`` (an AI form submit
        on a page the definition does not name). Returns when approved; raises StepDeclined,
        StepAbort (no answer in time) or ConsentStop (revoked meanwhile)."""
        outcome = await self.confirm(idx, attempts, step, what)
        if outcome is None:
            if self._consent.revoke is not None or self._consent.stop_reason() is not None:
                raise ConsentStop()
            return
        status, reason = outcome
        raise StepDeclined(reason) if status == OperationStatus.CANCELLED else StepAbort(reason)

    def show_screenshot(self, key: str | None) -> None:
        self._progress.screenshot = key

    def audit_ai(
        self,
        step_number: int,
        attempt: int,
        step: StepDefinition,
        *,
        success: bool,
        screenshot: str | None,
        error: str | None,
        duration_ms: int | None = None,
        action: str,
        reason: str,
        blocked_requests: int = 0,
    ) -> None:
        self._trail.write(
            step_number,
            attempt,
            step,
            success,
            screenshot,
            error,
            duration_ms,
            action=action,
            mode="ai",
            reason=reason,
            blocked_requests=blocked_requests,
        )

    # --- the step ---------------------------------------------------------------------------
    async def confirm(
        self, idx: int, attempts: list[int], step: StepDefinition, what: str | None = None
    ) -> tuple[OperationStatus, str] | None:
        """Wait for a person to approve sensitive step ``idx`` (or the AI action ``what`` on it).
        Returns how the operation ends here (declined: cancelled; no answer in time: failed), or
        None to go on (approved, or a revoke that the consent check then stops). Only a decision
        whose record ``verify_confirmation`` finds counts (signals.py)."""
        n, timeout_s = idx + 1, self._inp.tuning.confirmation_timeout_s
        announce.waiting(self._inp, "operation.waiting_for_confirmation", f"confirm-{n}", step=n)
        try:
            d = await self._consent.wait_for_confirmation(n, timeout_s, self.checks.decision)
        except builtins.TimeoutError:
            return OperationStatus.FAILED, f"step {n} ({step.intent}) was not confirmed within {timeout_s}s"
        if d is None:
            return None
        attempts[idx] += 1
        verdict = "approved" if d.approved else "declined"
        self._trail.write(
            n,
            attempts[idx],
            step,
            d.approved,
            None,
            None if d.approved else f"declined by {d.by}",
            None,
            action=f"human confirmation: {verdict}" + (f" of {what}" if what else ""),
            mode="human",
            reason=f"{verdict} by {d.by}" + (f": {d.reason}" if d.reason else ""),
        )
        if d.approved:
            return None
        return (
            OperationStatus.CANCELLED,
            f"step {n} ({step.intent}) declined by {d.by}" + (f": {d.reason}" if d.reason else ""),
        )

    async def do_step(
        self, definition: OperationDefinition, idx: int, attempts: list[int], step: StepDefinition
    ) -> StepResult:
        """Run a step deterministically and audit it; heal a StepFailed with the AI; intent-only
        steps go to the AI directly (agent mode). A failure it does not audit is raised
        (ActivityError, StepAbort, ConsentStop)."""
        if step.action is None:
            return await self.ai.run(
                definition, idx, attempts, step, "agent mode: the step gives only an intent"
            )
        attempts[idx] += 1
        try:
            res = await self._session.run_step(definition, idx, attempts[idx], step)
        except ActivityError as e:
            if not healable(e) or self.ai.self_healing == "unavailable":
                raise
            self._trail.write(
                idx + 1,
                attempts[idx],
                step,
                False,
                failure_screenshot(e),
                failure_text(e),
                None,
                reason="deterministic selector failed; asking the AI",
            )
            return await self.ai.run(
                definition, idx, attempts, step, f"self-healing after: {failure_text(e)[:300]}"
            )
        self._progress.screenshot = res.screenshot_key
        self._trail.write(
            idx + 1,
            attempts[idx],
            step,
            True,
            res.screenshot_key,
            None,
            res.duration_ms,
            blocked_requests=res.blocked_requests,
        )
        return res
