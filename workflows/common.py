"""What the cycle and the follow-up workflows share: DB steps as local activities, email through
the shared outbox (``send_email`` on the messaging queue), search attributes, the scheduled time
of a run started by a Temporal Schedule, and the follow-ups' ``status`` query shape.

Deterministic: call only from workflow code.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar, overload

from pydantic import BaseModel, ConfigDict
from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

from workflows import retry

with workflow.unsafe.imports_passed_through():
    from core import search_attributes as sa
    from workflows.citations import CiteRequest
    from workflows.email import SendEmailInput, SendEmailResult

RETRY = retry.DB
SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
EMAIL_RETRY = retry.EMAIL
T = TypeVar("T")


class FollowUpState(BaseModel):
    """The ``status`` query of every follow-up workflow: where it is and when it next wakes."""

    model_config = ConfigDict(frozen=True)

    kind: str
    status: str
    next_wake_at: datetime | None = None
    """When its current timer fires (UTC), None while it waits only for a signal or has ended."""
    waiting_for: str | None = None
    detail: dict[str, str | int | float | bool | None] = {}


@overload
async def db(
    name: str, arg: object, result_type: type[T], timeout_s: int = 30, policy: RetryPolicy = retry.DB
) -> T: ...
@overload
async def db(
    name: str, arg: object, result_type: None = None, timeout_s: int = 30, policy: RetryPolicy = retry.DB
) -> None: ...
async def db(
    name: str,
    arg: object,
    result_type: type[T] | None = None,
    timeout_s: int = 30,
    policy: RetryPolicy = retry.DB,
) -> T | None:
    """A short idempotent DB step as a local activity on this worker (a marker in the history
    instead of a task-queue round trip; a re-run after a worker crash is safe). Returns the
    activity's result decoded as ``result_type`` (None when it is None)."""
    result: T | None = await workflow.execute_local_activity(
        name,
        arg,
        result_type=result_type,
        start_to_close_timeout=timedelta(seconds=timeout_s),
        retry_policy=policy,
    )
    return result


async def email(
    queue: str,
    tenant_id: str,
    key: str,
    to: str,
    subject: str,
    body: str,
    timeout_s: int = 60,
    run_id: str | None = None,
    cite: CiteRequest | None = None,
) -> SendEmailResult:
    """One email through the outbox; ``key`` makes it exactly once (issue 4's outbox). A crashed
    worker's attempt is retried after ``timeout_s``. ``cite``: quote passages of the tenant's
    own documents after ``body`` (issue 14 Build 6)."""
    result: SendEmailResult = await workflow.execute_activity(
        "send_email",
        SendEmailInput(
            tenant_id=tenant_id,
            idempotency_key=key,
            to_email=to,
            subject=subject,
            body=body,
            run_id=run_id,
            cite=cite,
        ),
        task_queue=queue,
        result_type=SendEmailResult,
        start_to_close_timeout=timedelta(seconds=timeout_s),
        retry_policy=EMAIL_RETRY,
    )
    return result


def scheduled_time() -> datetime:
    """When a Temporal Schedule meant this run to start (``TemporalScheduledStartTime``), or now."""
    return workflow.info().typed_search_attributes.get(SCHEDULED_START) or workflow.now()


def tag(tenant_id: str, kind: str, status: str) -> None:
    """Search attributes TenantId, Kind and Status (issue 5 "For operators")."""
    workflow.upsert_search_attributes(
        [sa.TENANT_ID.value_set(tenant_id), sa.KIND.value_set(kind), sa.STATUS.value_set(status)]
    )


def wake_at(seconds: float) -> datetime:
    return workflow.now() + timedelta(seconds=max(0.0, seconds))
