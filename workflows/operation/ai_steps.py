"""The AI side of a step, as a mixin of AutonomousOperationWorkflow (deterministic code only).

- **Self-healing:** a deterministic step whose selector is missing or whose expected result
  does not appear (``StepFailed``) is retried by AI-chosen actions until one completes it.
- **Agent mode:** a step with only an intent is driven by the AI until it answers ``done``.
Each AI action is its own audited attempt (mode ``ai``, with the model's reason). The step and
cost budgets are per operation; exhausting either ends the operation as failed with a reason.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from workflows.operation.ai_messages import AIAction, AIDecision, DecideInput
    from workflows.operation.browser_messages import Observation, ObserveInput, StepResult
    from workflows.operation.definition import OperationDefinition, RetrySpec, StepDefinition
    from workflows.operation.messages import LLMUsage, OperationInput, OperationTuning

if TYPE_CHECKING:
    from workflows.operation.workflow import AutonomousOperationWorkflow as _Base
else:
    _Base = object

AI_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2,
    maximum_attempts=6,
    non_retryable_error_types=["AIUnavailable", "AIRequestRejected"],
)
NEEDS_SELECTOR = {"click", "fill", "select", "press", "wait", "extract"}


class StepAbort(Exception):
    """The step cannot complete (budget, give-up, AI unavailable); the operation fails with this reason."""


class ConsentStop(Exception):
    """Consent was revoked (or expired) between AI actions."""


def healable(err: ActivityError) -> bool:
    return isinstance(err.cause, ApplicationError) and err.cause.type == "StepFailed"


def usage(d: AIDecision) -> str:
    """This call's tokens and cost, kept on its audit row (the totals are in the result)."""
    return f"{d.model}: {d.input_tokens}+{d.output_tokens} tokens, ${d.cost_usd:.4f}"


def describe(a: AIAction) -> str:
    target = a.url if a.action == "navigate" else a.selector
    value = f" = {a.value[:60]}" if a.value else ""
    return f"ai {a.action} {target or ''}{value}".strip()


def synthesize(step: StepDefinition, a: AIAction) -> StepDefinition:
    """The AI's action as a one-attempt step that keeps the step's expected result and extraction."""
    if a.action == "done":
        return StepDefinition(
            intent=step.intent,
            action="wait",
            target=step.expected or "body",
            timeout_s=5,
            retry=RetrySpec(max_attempts=1),
        )
    if a.action in NEEDS_SELECTOR and not a.selector:
        raise ValueError(f"{a.action} needs a selector")
    return StepDefinition(
        intent=step.intent,
        action=a.action,
        target=(a.url if a.action == "navigate" else a.selector) or "/",  # type: ignore[arg-type]
        value=a.value if a.value is not None else step.value,
        expected=step.expected if step.action else None,
        store_as=step.store_as,
        checkpoint=step.checkpoint,
        timeout_s=min(step.timeout_s, 10.0),
        retry=RetrySpec(max_attempts=1),
    )


class AIStepsMixin(_Base):  # type: ignore[misc,valid-type]
    def _check_budget(self, t: OperationTuning) -> None:
        if self._ai_actions >= t.ai_max_actions:
            raise StepAbort(
                f"step budget exhausted: {self._ai_actions} AI actions (limit {t.ai_max_actions})"
            )
        if self._llm.cost_usd >= t.ai_max_cost_usd:
            raise StepAbort(
                f"cost budget exhausted: ${self._llm.cost_usd:.4f} (limit ${t.ai_max_cost_usd:.2f})"
            )

    async def _decide(
        self,
        inp: OperationInput,
        definition: OperationDefinition,
        step: StepDefinition,
        obs: Observation,
        history: list[str],
        why: str,
    ) -> AIDecision:
        placeholders = [
            "{{credential.username}}",
            "{{credential.password}}",
            *(f"{{{{input.{k}}}}}" for k in inp.inputs if k != "site_url"),
        ]
        try:
            decision = await workflow.execute_activity(
                "decide_action",
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
                ),
                result_type=AIDecision,
                task_queue=self._agent_queue,
                start_to_close_timeout=timedelta(seconds=120),
                retry_policy=AI_RETRY,
            )
        except ActivityError as e:
            if isinstance(e.cause, ApplicationError) and e.cause.type == "AIUnavailable":
                self._self_healing = "unavailable"
                raise StepAbort(f"{why}; self-healing unavailable (no Anthropic API key)") from None
            raise StepAbort(f"{why}; the AI call failed: {e.cause.message if e.cause else e}") from None
        self._self_healing = "available"
        self._ai_actions += 1
        self._llm = self._llm.plus(decision)
        return decision

    async def _ai_step(
        self,
        inp: OperationInput,
        definition: OperationDefinition,
        idx: int,
        attempts: list[int],
        step: StepDefinition,
        why: str,
    ) -> StepResult:
        """AI-chosen actions until the step completes. Raises StepAbort, ConsentStop or ActivityError
        (session lost)."""
        agent_mode = step.action is None
        history: list[str] = []
        for _ in range(inp.tuning.ai_actions_per_step):
            if self._consent_stop_reason() is not None:
                raise ConsentStop()
            self._check_budget(inp.tuning)
            attempts[idx] += 1
            a = attempts[idx]
            obs = await workflow.execute_activity(
                "observe_page",
                ObserveInput(
                    operation_id=inp.operation_id, tenant_id=inp.tenant_id, step_number=idx + 1, attempt=a
                ),
                result_type=Observation,
                task_queue=self._session.task_queue,
                schedule_to_start_timeout=timedelta(seconds=inp.tuning.session_schedule_to_start_s),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=2),
            )
            self._screenshot = obs.screenshot_key
            d = await self._decide(inp, definition, step, obs, history, why)
            try:
                if not d.valid or d.action is None:
                    raise ValueError(d.rejected_reason or "no action")
                synth = synthesize(step, d.action)
            except (ValueError, ValidationError) as e:
                await self._audit(
                    idx + 1,
                    a,
                    step,
                    False,
                    obs.screenshot_key,
                    f"rejected: {e}"[:1000],
                    None,
                    action="ai: rejected answer",
                    mode="ai",
                    reason=f"{why} [{usage(d)}]",
                )
                history.append(f"rejected answer ({e})")
                continue
            act = d.action
            if act.action == "give_up":
                await self._audit(
                    idx + 1,
                    a,
                    step,
                    False,
                    obs.screenshot_key,
                    "the AI gave up",
                    None,
                    action=describe(act),
                    mode="ai",
                    reason=f"{act.reason} [{usage(d)}]",
                )
                raise StepAbort(f"the AI gave up: {act.reason}")
            try:
                res = await self._run_step(inp, definition, idx, a, synth)
            except ActivityError as e:
                if not isinstance(e.cause, ApplicationError) or e.cause.type not in (
                    "StepFailed",
                    "PolicyBlocked",
                ):
                    raise
                blocked = e.cause.type == "PolicyBlocked"
                await self._audit(
                    idx + 1,
                    a,
                    step,
                    False,
                    obs.screenshot_key,
                    ("blocked: " if blocked else "") + str(e.cause.message)[:1000],
                    None,
                    action=describe(act),
                    mode="ai",
                    reason=f"{act.reason} [{usage(d)}]",
                )
                history.append(f"{describe(act)} -> {'blocked' if blocked else 'failed'}")
                continue
            await self._audit(
                idx + 1,
                a,
                step,
                True,
                res.screenshot_key,
                None,
                res.duration_ms,
                action=describe(act),
                mode="ai",
                reason=f"{why}; AI: {act.reason}"[:900] + f" [{usage(d)}]",
            )
            self._screenshot = res.screenshot_key
            if not agent_mode or act.action == "done":
                return res
            history.append(describe(act))
        raise StepAbort(f"the AI did not complete the step in {inp.tuning.ai_actions_per_step} actions")


__all__ = ["AIStepsMixin", "ConsentStop", "LLMUsage", "StepAbort", "healable"]
