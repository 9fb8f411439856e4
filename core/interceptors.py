"""Worker interceptors: :func:`activity_interceptors` is what every worker installs (the log
context binding tenant, workflow id, run id and activity to every activity log, then the outage
and failure mapping of core/outage_interceptor.py)."""

from __future__ import annotations

from typing import Any

import structlog
from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from core.outage_interceptor import OutageInterceptor
from core.resilience_settings import ResilienceSettings


class _ActivityLogContext(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        tenant = getattr(input.args[0], "tenant_id", None) if input.args else None
        with structlog.contextvars.bound_contextvars(
            tenant_id=tenant,
            workflow_id=info.workflow_id,
            run_id=info.workflow_run_id,
            activity=info.activity_type,
            attempt=info.attempt,
        ):
            return await self.next.execute_activity(input)


class LogContextInterceptor(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityLogContext(next)


def activity_interceptors(settings: ResilienceSettings) -> list[Interceptor]:
    """Every worker's interceptors, outermost first: log context, then outage and failure mapping."""
    return [LogContextInterceptor(), OutageInterceptor(settings)]
