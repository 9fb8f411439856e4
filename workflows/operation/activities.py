"""Typed activity stubs of AutonomousOperationWorkflow: one function per activity, each owning
its registered name, task queue, timeouts and named retry policy (workflows/retry.py).

Queues: DB, Vault, definition, connection-test and AI activities run on the workflow's own queue
(the agent worker hosts both); ``open_session`` on the shared browser queue; ``run_step``,
``observe_page`` and ``close_session`` on the queue of the worker that holds the session.

Deterministic: call only from workflow code. ``start_*`` functions schedule the activity at once
and return its handle (awaited later, before the operation's final status is written).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

from workflows import retry

with workflow.unsafe.imports_passed_through():
    from workflows.operation.ai_messages import AIDecision, DecideInput
    from workflows.operation.browser_messages import (
        CloseSessionInput,
        Observation,
        ObserveInput,
        OpenSessionInput,
        SessionHandle,
        StepInput,
        StepResult,
    )
    from workflows.operation.definition import OperationDefinition, RetrySpec
    from workflows.operation.messages import (
        AuditInput,
        ConnectionTestInput,
        ConnectionTestResult,
        ConsentLookupInput,
        ConsentLookupResult,
        LoadDefinitionInput,
        OperationTuning,
        RecordCredentialInput,
        SyncOperationInput,
    )

DB_TIMEOUT = timedelta(seconds=30)
"""Every DB/Vault step of the operation: 30 s start-to-close."""
AI_TIMEOUT = timedelta(seconds=120)
OPEN_SESSION_TIMEOUT = timedelta(seconds=60)
OBSERVE_TIMEOUT = timedelta(seconds=30)
CLOSE_TIMEOUT = timedelta(seconds=30)
CLOSE_SCHEDULE_TO_START = timedelta(seconds=10)


def _own_queue() -> str:
    return workflow.info().task_queue


async def load_definition(inp: LoadDefinitionInput) -> OperationDefinition:
    """The operation's definition (raises ``DefinitionError`` when missing or invalid)."""
    result: OperationDefinition = await workflow.execute_activity(
        "load_definition",
        inp,
        result_type=OperationDefinition,
        task_queue=_own_queue(),
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=retry.DB_UNBOUNDED,
    )
    return result


async def find_active_consent(inp: ConsentLookupInput) -> ConsentLookupResult:
    result: ConsentLookupResult = await workflow.execute_activity(
        "find_active_consent",
        inp,
        result_type=ConsentLookupResult,
        task_queue=_own_queue(),
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=retry.DB_UNBOUNDED,
    )
    return result


async def sync_operation(inp: SyncOperationInput) -> None:
    """Upsert the ``autonomous_operations`` row from the workflow's state."""
    await workflow.execute_activity(
        "sync_operation",
        inp,
        task_queue=_own_queue(),
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=retry.DB_UNBOUNDED,
    )


def start_write_audit(inp: AuditInput) -> workflow.ActivityHandle[Any]:
    """One audit row, idempotent on (operation, step, attempt)."""
    return workflow.start_activity(
        "write_audit",
        inp,
        task_queue=_own_queue(),
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=retry.DB_UNBOUNDED,
    )


def start_record_credential(inp: RecordCredentialInput) -> workflow.ActivityHandle[Any]:
    """The new credential's metadata (Vault path and fingerprint, never the value)."""
    return workflow.start_activity(
        "record_credential",
        inp,
        task_queue=_own_queue(),
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=retry.DB_UNBOUNDED,
    )


async def test_connection(inp: ConnectionTestInput) -> ConnectionTestResult:
    result: ConnectionTestResult = await workflow.execute_activity(
        "test_connection",
        inp,
        result_type=ConnectionTestResult,
        task_queue=_own_queue(),
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=retry.THRICE,
    )
    return result


async def decide_action(inp: DecideInput) -> AIDecision:
    """One Messages API call (``AIUnavailable``/``AIRequestRejected`` are not retried)."""
    result: AIDecision = await workflow.execute_activity(
        "decide_action",
        inp,
        result_type=AIDecision,
        task_queue=_own_queue(),
        start_to_close_timeout=AI_TIMEOUT,
        retry_policy=retry.AI,
    )
    return result


async def open_session(inp: OpenSessionInput, tuning: OperationTuning) -> SessionHandle:
    """A browser context on some browser worker (the shared ``tuning.browser_queue``); the handle
    names that worker's own queue."""
    result: SessionHandle = await workflow.execute_activity(
        "open_session",
        inp,
        result_type=SessionHandle,
        task_queue=tuning.browser_queue,
        start_to_close_timeout=OPEN_SESSION_TIMEOUT,
        retry_policy=retry.FIVE_TIMES,
    )
    return result


async def run_step(
    inp: StepInput, session: SessionHandle, tuning: OperationTuning, spec: RetrySpec
) -> StepResult:
    """One step on the session's worker; a worker gone shows as a schedule-to-start or heartbeat
    timeout. Retried per the step's own ``spec``."""
    result: StepResult = await workflow.execute_activity(
        "run_step",
        inp,
        result_type=StepResult,
        task_queue=session.task_queue,
        schedule_to_start_timeout=timedelta(seconds=tuning.session_schedule_to_start_s),
        start_to_close_timeout=timedelta(seconds=tuning.step_timeout_s),
        heartbeat_timeout=timedelta(seconds=tuning.step_heartbeat_s),
        retry_policy=retry.browser_step(spec.max_attempts, spec.initial_interval_s, spec.backoff),
    )
    return result


async def observe_page(inp: ObserveInput, session: SessionHandle, tuning: OperationTuning) -> Observation:
    result: Observation = await workflow.execute_activity(
        "observe_page",
        inp,
        result_type=Observation,
        task_queue=session.task_queue,
        schedule_to_start_timeout=timedelta(seconds=tuning.session_schedule_to_start_s),
        start_to_close_timeout=OBSERVE_TIMEOUT,
        retry_policy=retry.TWICE,
    )
    return result


async def close_session(inp: CloseSessionInput, session: SessionHandle) -> None:
    await workflow.execute_activity(
        "close_session",
        inp,
        task_queue=session.task_queue,
        schedule_to_start_timeout=CLOSE_SCHEDULE_TO_START,
        start_to_close_timeout=CLOSE_TIMEOUT,
        retry_policy=retry.TWICE,
    )
