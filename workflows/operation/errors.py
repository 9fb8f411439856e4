"""How the operation workflow reads an activity failure, and the two ways a step stops early.

Deterministic: pure functions of the failure Temporal delivered.
"""

from __future__ import annotations

from temporalio.exceptions import ActivityError, ApplicationError, FailureError, TimeoutError, TimeoutType

from core.failures import Failure


class StepAbort(Exception):
    """The step cannot complete (budget, give-up, AI unavailable); the operation fails with this reason."""


class ConsentStop(Exception):
    """Consent was revoked (or expired) between AI actions."""


def failure_type(err: ActivityError) -> str | None:
    """The ``Failure`` type of the activity's ApplicationError, or None for any other cause."""
    return err.cause.type if isinstance(err.cause, ApplicationError) else None


def session_lost(err: ActivityError) -> bool:
    """True when the failure means the browser worker (or its session) is gone."""
    cause = err.cause
    if isinstance(cause, TimeoutError):
        return cause.type in (TimeoutType.SCHEDULE_TO_START, TimeoutType.HEARTBEAT)
    return failure_type(err) == Failure.SESSION_LOST


def healable(err: ActivityError) -> bool:
    """A missing selector or expected result (``StepFailed``): the AI may complete the step."""
    return failure_type(err) == Failure.STEP_FAILED


def failure_text(err: ActivityError) -> str:
    """The cause's message (at most 2000 characters)."""
    cause = err.cause
    if cause is None:
        return err.message[:2000]
    return str(cause.message if isinstance(cause, FailureError) else cause)[:2000]


def failure_screenshot(err: ActivityError) -> str | None:
    """The failure screenshot key a step attaches as its error's first detail, if any."""
    details = err.cause.details if isinstance(err.cause, ApplicationError) else ()
    return details[0] if details and isinstance(details[0], str) else None


class StepDeclined(Exception):
    """A person declined an action the operation waited on (an AI form submit): it ends cancelled
    with this reason, like a declined sensitive step."""
