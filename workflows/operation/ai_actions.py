"""Pure rules of the AI step: how an AI-chosen action becomes a one-attempt step, and how it is
described on its audit row.
"""

from __future__ import annotations

from workflows.operation.ai_messages import AIAction, AIDecision
from workflows.operation.definition import RetrySpec, StepDefinition

NEEDS_SELECTOR = {"click", "fill", "select", "press", "wait", "extract"}


def usage(d: AIDecision) -> str:
    """This call's tokens and cost, kept on its audit row (the totals are in the result)."""
    return f"{d.model}: {d.input_tokens}+{d.output_tokens} tokens, ${d.cost_usd:.4f}"


def describe(a: AIAction) -> str:
    """E.g. ``ai click #submit`` or ``ai fill #name = Jane`` (the value cut at 60 characters)."""
    target = a.url if a.action == "navigate" else a.selector
    value = f" = {a.value[:60]}" if a.value else ""
    return f"ai {a.action} {target or ''}{value}".strip()


def synthesize(step: StepDefinition, a: AIAction) -> StepDefinition:
    """The AI's action as a one-attempt step that keeps the step's expected result and extraction.
    ``done`` waits for the expected result (or the body). Raises ValueError (or a pydantic
    ValidationError) for an action that cannot run."""
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
        target=(a.url if a.action == "navigate" else a.selector) or "/",
        value=a.value if a.value is not None else step.value,
        expected=step.expected if step.action else None,
        store_as=step.store_as,
        checkpoint=step.checkpoint,
        timeout_s=min(step.timeout_s, 10.0),
        retry=RetrySpec(max_attempts=1),
    )
