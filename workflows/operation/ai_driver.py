"""The AI side of a step (deterministic code only), composed into AutonomousOperationWorkflow.

- **Self-healing:** a deterministic step whose selector is missing or whose expected result
  does not appear (``StepFailed``) is retried by AI-chosen actions until one completes it.
- **Agent mode:** a step with only an intent is driven by the AI until it answers ``done``.
Each AI action is its own audited attempt (mode ``ai``, with the model's reason). The step and
cost budgets are per operation; exhausting either ends the operation as failed with a reason.
AI-chosen actions reach the browser as ``mode="ai"`` (the credential firewall then checks the
element's kind). One that would submit a form on a page the definition does not name fails with
``ConfirmationRequired``: it is audited, waits for a person's verified ``confirm_action`` and
runs again with ``confirmed`` (declined: the operation is cancelled). ``CredentialBlocked`` is
never retried by the AI: it fails the operation closed (issue 10).

The driver owns the AI budget and usage; it reaches the workflow only through :class:`AIStepHost`.
"""

from __future__ import annotations

import asyncio
from typing import Literal, Protocol

from temporalio import workflow
from temporalio.exceptions import ActivityError, FailureError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from core.failures import Failure
    from workflows.operation import activities as acts
    from workflows.operation.ai_actions import describe, synthesize, usage
    from workflows.operation.ai_messages import AIDecision, DecideInput
    from workflows.operation.browser_messages import Observation, StepResult
    from workflows.operation.definition import OperationDefinition, StepDefinition
    from workflows.operation.errors import (
        ConsentStop,
        StepAbort,
        failure_screenshot,
        failure_text,
        failure_type,
    )
    from workflows.operation.messages import LLMUsage, OperationInput, SelfHealing

RETRY_WITH_AI = (Failure.STEP_FAILED, Failure.POLICY_BLOCKED)
CANCEL_DURING_AI = "operation-cancel-during-ai-decision-ends-cancelled"
"""Patch id: a cancel that lands while the AI decides a step ends the operation as cancelled.
Before it, the cancelled AI call became a step abort and the operation ended as failed."""
"""An AI-chosen action that fails this way is audited and the AI asked again."""


class AIStepHost(Protocol):
    """What the driver needs from the workflow: consent, the session's page and the audit trail."""

    def consent_stopped(self) -> bool:
        """True once consent is revoked or expired: no further browser action."""
        ...

    async def observe(self, step_number: int, attempt: int) -> Observation: ...

    async def run_step(
        self,
        definition: OperationDefinition,
        idx: int,
        attempt: int,
        step: StepDefinition,
        mode: Literal["deterministic", "ai"] = "deterministic",
        confirmed: bool = False,
    ) -> StepResult: ...

    async def confirm_ai(self, idx: int, attempts: list[int], step: StepDefinition, what: str) -> None:
        """Wait for a person to approve the AI action ``what``; returns when approved, raises
        StepDeclined, StepAbort or ConsentStop otherwise."""
        ...

    def show_screenshot(self, key: str | None) -> None: ...

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
        """One audit row in mode ``ai`` (``action``: what the AI did; ``reason``: why, with usage)."""
        ...


class AIStepDriver:
    def __init__(self, host: AIStepHost, inp: OperationInput) -> None:
        self._host = host
        self._inp = inp
        self.actions = 0
        """AI-chosen actions so far (the step budget counts them)."""
        self.llm = LLMUsage()
        self.self_healing: SelfHealing = "unknown"

    def _check_budget(self) -> None:
        t = self._inp.tuning
        if self.actions >= t.ai_max_actions:
            raise StepAbort(f"step budget exhausted: {self.actions} AI actions (limit {t.ai_max_actions})")
        if self.llm.cost_usd >= t.ai_max_cost_usd:
            raise StepAbort(
                f"cost budget exhausted: ${self.llm.cost_usd:.4f} (limit ${t.ai_max_cost_usd:.2f})"
            )

    async def _decide(
        self,
        definition: OperationDefinition,
        step: StepDefinition,
        obs: Observation,
        history: list[str],
        why: str,
    ) -> AIDecision:
        inp = self._inp
        placeholders = [
            "{{credential.username}}",
            "{{credential.password}}",
            *(f"{{{{input.{k}}}}}" for k in inp.inputs if k != "site_url"),
        ]
        try:
            decision = await acts.decide_action(
                DecideInput(
                    operation_id=inp.operation_id,
                    tenant_id=inp.tenant_id,
                    goal=definition.goal or definition.description,
                    intent=step.intent,
                    expected=step.expected,
                    value_hint=step.value,
                    placeholders=placeholders,
                    observation=obs,
                    history=history,
                )
            )
        except ActivityError as e:
            if is_cancelled_exception(e) and workflow.patched(CANCEL_DURING_AI):
                raise asyncio.CancelledError from None  # the workflow's run() ends it as cancelled
            if failure_type(e) == Failure.AI_UNAVAILABLE:
                self.self_healing = "unavailable"
                raise StepAbort(f"{why}; self-healing unavailable (no Anthropic API key)") from None
            detail = e.cause.message if isinstance(e.cause, FailureError) else e
            raise StepAbort(f"{why}; the AI call failed: {detail}") from None
        self.self_healing = "available"
        self.actions += 1
        self.llm = self.llm.plus(decision)
        return decision

    async def run(
        self,
        definition: OperationDefinition,
        idx: int,
        attempts: list[int],
        step: StepDefinition,
        why: str,
    ) -> StepResult:
        """AI-chosen actions until step ``idx`` completes (``attempts[idx]`` counts each one).
        Raises StepAbort, ConsentStop or ActivityError (session lost)."""
        host, n = self._host, idx + 1
        agent_mode = step.action is None
        history: list[str] = []
        for _ in range(self._inp.tuning.ai_actions_per_step):
            if host.consent_stopped():
                raise ConsentStop()
            self._check_budget()
            attempts[idx] += 1
            a = attempts[idx]
            obs = await host.observe(n, a)
            host.show_screenshot(obs.screenshot_key)
            d = await self._decide(definition, step, obs, history, why)
            try:
                if not d.valid or d.action is None:
                    raise ValueError(d.rejected_reason or "no action")
                synth = synthesize(step, d.action)
            except (ValueError, ValidationError) as e:
                host.audit_ai(
                    n,
                    a,
                    step,
                    success=False,
                    screenshot=obs.screenshot_key,
                    error=f"rejected: {e}"[:1000],
                    action="ai: rejected answer",
                    reason=f"{why} [{usage(d)}]",
                )
                history.append(f"rejected answer ({e})")
                continue
            act = d.action
            if act.action == "give_up":
                host.audit_ai(
                    n,
                    a,
                    step,
                    success=False,
                    screenshot=obs.screenshot_key,
                    error="the AI gave up",
                    action=describe(act),
                    reason=f"{act.reason} [{usage(d)}]",
                )
                raise StepAbort(f"the AI gave up: {act.reason}")
            try:
                res, a = await self._act(definition, idx, attempts, step, synth, d, obs)
            except ActivityError as e:
                kind = failure_type(e)
                fail_closed = kind == Failure.CREDENTIAL_BLOCKED
                if kind not in RETRY_WITH_AI and not fail_closed:
                    raise
                blocked = kind == Failure.POLICY_BLOCKED
                error = ("blocked: " if blocked else "") + failure_text(e)[:1000]
                host.audit_ai(
                    n,
                    attempts[idx],
                    step,
                    success=False,
                    screenshot=obs.screenshot_key,
                    error=error,
                    action=describe(act),
                    reason=f"{act.reason} [{usage(d)}]",
                )
                if fail_closed:  # audited as the AI's action; the operation fails closed, no retry
                    raise StepAbort(failure_text(e)[:500]) from None
                history.append(f"{describe(act)} -> {'blocked' if blocked else 'failed'}")
                continue
            host.audit_ai(
                n,
                a,
                step,
                success=True,
                screenshot=res.screenshot_key,
                error=None,
                duration_ms=res.duration_ms,
                action=describe(act),
                reason=f"{why}; AI: {act.reason}"[:900] + f" [{usage(d)}]",
                blocked_requests=res.blocked_requests,
            )
            host.show_screenshot(res.screenshot_key)
            if not agent_mode or act.action == "done":
                return res
            history.append(describe(act))
        raise StepAbort(f"the AI did not complete the step in {self._inp.tuning.ai_actions_per_step} actions")

    async def _act(
        self,
        definition: OperationDefinition,
        idx: int,
        attempts: list[int],
        step: StepDefinition,
        synth: StepDefinition,
        d: AIDecision,
        obs: Observation,
    ) -> tuple[StepResult, int]:
        """Run the AI's action (mode ``ai``) as attempt ``attempts[idx]``. On
        ``ConfirmationRequired``: audit it, wait for a person's verified approval, then run it
        again, ``confirmed``, as a new attempt. Returns the result and the attempt that ran."""
        host, a = self._host, attempts[idx]
        try:
            return await host.run_step(definition, idx, a, synth, "ai"), a
        except ActivityError as e:
            if failure_type(e) != Failure.CONFIRMATION_REQUIRED:
                raise
            assert d.action is not None
            host.audit_ai(
                idx + 1,
                a,
                step,
                success=False,
                screenshot=failure_screenshot(e) or obs.screenshot_key,
                error=f"waiting for a person's confirmation: {failure_text(e)}"[:1000],
                action=describe(d.action),
                reason=f"{d.action.reason} [{usage(d)}]",
            )
        await host.confirm_ai(idx, attempts, step, describe(d.action))
        attempts[idx] += 1
        return await host.run_step(definition, idx, attempts[idx], synth, "ai", True), attempts[idx]
