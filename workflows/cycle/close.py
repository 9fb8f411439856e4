"""The end of a cycle: React and Reflect as ONE local activity (issue 17, hourly cycles at scale).

A run that reached React calls ``react_and_reflect`` (one transaction: React's summary goes
straight into the reflection); a run that failed earlier, was skipped, or whose merged step failed
is closed by ``reflect`` alone. The older two-step shape (``react`` then ``reflect``, patch
``cycle-react-reflect-merged``) is retired (tests/replay/histories/retired/).

Deterministic: call only from workflow code.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

from workflows.models import Frozen

with workflow.unsafe.imports_passed_through():
    from workflows.alerts import AlertNotice
    from workflows.cycle.messages import CycleInput, CycleState, EmailOutcomeInput, ReactSummary, ReflectInput


class CloseResult(Frozen):
    """``react_and_reflect``'s result: React's summary and the tenant's undelivered alerts (what
    ``reflect`` returns, read in the same transaction)."""

    react: ReactSummary
    notices: tuple[AlertNotice, ...] = ()


def closing(
    st: CycleState,
    inp: CycleInput,
    planner: str | None,
    error: str | None,
    halted: str | None,
    started: datetime,
    pending_email: EmailOutcomeInput | None = None,
) -> ReflectInput:
    """What Reflect records of the run in state ``st`` (its counts and status), after the last
    email's carried outcome ``pending_email``."""
    return ReflectInput(
        run_id=st.run_id,
        tenant_id=inp.tenant_id,
        hour=inp.hour,
        status=st.status,
        planner=planner,
        planned=st.planned,
        executed=st.executed,
        blocked=st.blocked,
        deferred=st.deferred,
        error=error,
        halted_reason=halted,
        started_at=started,
        pending_email=pending_email,
    )
