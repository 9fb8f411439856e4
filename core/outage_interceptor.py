"""The one place activity exceptions become Temporal failures (issue 17, Build 7): a worker
``ActivityInboundInterceptor`` on every worker (workers/run.py).

- **Outages are waited out.** A transient dependency error (:func:`core.outages.classify`, or an
  ``ApplicationError`` of a type in :data:`core.outages.TRANSIENT`) is retried inside the attempt:
  the activity (idempotent, like every activity here) runs again after 1 s, doubling to
  ``resilience.max_backoff_s``, heartbeating while it waits, until ``resilience.deadline_margin_s``
  before the attempt's start-to-close (or schedule-to-close) deadline. Only then does the attempt
  fail, retryable, and Temporal's retry policy (workflows/retry.py) takes over. A 60 s Vault or
  SMTP freeze therefore costs an attempt of a 30 s step at most, not all of a 3-attempt budget.
- **Failures are short and tenant-safe.** Every failure leaves as an ``ApplicationError`` with a
  type and at most :data:`core.outages.MAX_MESSAGE` characters with no address (no URL, host,
  port or IP), no cause chain and no library stack trace, far under Temporal's failure size
  limit. The full exception goes to the worker's log. Non-retryable errors stay non-retryable.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError, FailureError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from core.failures import Failure
from core.logging import get_logger
from core.outages import TRANSIENT, Outage, classify, safe_text
from core.resilience_settings import ResilienceSettings

log = get_logger("core.outage_interceptor")


def to_failure(e: Exception) -> tuple[ApplicationError, Outage | None]:
    """The short, tenant-safe ``ApplicationError`` for ``e``, and the outage it means (or None).
    An ``ApplicationError`` keeps its type, details, retryability and retry delay."""
    if isinstance(e, ApplicationError):
        safe = ApplicationError(
            safe_text(e.message),
            *e.details,
            type=e.type,
            non_retryable=e.non_retryable,
            next_retry_delay=e.next_retry_delay,
            category=e.category,
        )
        transient = e.type in TRANSIENT and not e.non_retryable
        outage = Outage(Failure(e.type), safe.message) if transient and e.type else None
        return safe, outage
    outage = classify(e)
    if outage is not None:
        return ApplicationError(outage.message, type=outage.failure), outage
    return ApplicationError(safe_text(f"{type(e).__name__}: {e}"), type=type(e).__name__), None


def attempt_deadline(info: activity.Info) -> datetime | None:
    """When this attempt ends: start-to-close from its start, or schedule-to-close, the earlier."""
    ends = []
    if info.start_to_close_timeout:
        ends.append(info.started_time + info.start_to_close_timeout)
    if info.schedule_to_close_timeout:
        ends.append(info.scheduled_time + info.schedule_to_close_timeout)
    return min(ends) if ends else None


class _OutageInbound(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, s: ResilienceSettings) -> None:
        super().__init__(next)
        self._s = s

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        delay = self._s.first_backoff_s
        while True:
            try:
                return await self.next.execute_activity(input)
            except FailureError as e:
                if not isinstance(e, ApplicationError):
                    raise  # cancellation and the like: Temporal's own
                failure, outage = to_failure(e)
            except Exception as e:
                failure, outage = to_failure(e)
                log.warning("activity failed", failure_type=failure.type, exc_info=e)
            if outage is None or not await self._wait(delay, failure):
                raise failure from None
            delay = min(delay * 2, self._s.max_backoff_s)

    async def _wait(self, delay: float, failure: ApplicationError) -> bool:
        """Sleep ``delay`` s (heartbeating) if the attempt's deadline allows; False otherwise."""
        info = activity.info()
        deadline = attempt_deadline(info)
        margin = timedelta(seconds=delay + self._s.deadline_margin_s)
        if not self._s.wait_out or deadline is None or datetime.now(UTC) + margin >= deadline:
            return False
        log.warning("dependency unavailable: waiting it out", failure_type=failure.type, wait_s=delay)
        beat = info.heartbeat_timeout.total_seconds() / 2 if info.heartbeat_timeout else None
        left = delay
        while left > 0:
            step = min(left, beat) if beat and not info.is_local else left
            if beat and not info.is_local:
                activity.heartbeat()
            await asyncio.sleep(step)
            left -= step
        return True


class OutageInterceptor(Interceptor):
    """Install on a ``Worker`` (``interceptors=[..., OutageInterceptor(settings.resilience)]``)."""

    def __init__(self, settings: ResilienceSettings) -> None:
        self._s = settings

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _OutageInbound(next, self._s)
