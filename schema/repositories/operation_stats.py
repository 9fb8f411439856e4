"""Operation statistics for a period (issue 16 Build 5, seed 001 "operation statistics"),
session-style: one aggregate query over ``autonomous_operations`` in the caller's tenant scope.

Per period ``[start, end)`` of ``created_at``: counts by status, success rate (completed over
completed + failed), median and p95 duration of completed operations (``completed_at -
started_at``, milliseconds), steps (sum of ``total_steps``) and the LLM's calls, tokens and cost
(USD) from each result's ``llm`` usage (``workflows.operation.messages.LLMUsage``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class OperationStats:
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    success_rate: float | None = None
    """completed / (completed + failed); None when none ended either way."""
    duration_ms_median: float | None = None
    duration_ms_p95: float | None = None
    steps: int = 0
    ai_calls: int = 0
    ai_input_tokens: int = 0
    ai_output_tokens: int = 0
    ai_cost_usd: float = 0.0


_BY_STATUS = text(
    "SELECT status, count(*) FROM autonomous_operations "
    "WHERE tenant_id = :t AND created_at >= :a AND created_at < :b GROUP BY status"
)
_TOTALS = text(
    """
    SELECT
      percentile_cont(0.5) WITHIN GROUP (ORDER BY d) FILTER (WHERE d IS NOT NULL),
      percentile_cont(0.95) WITHIN GROUP (ORDER BY d) FILTER (WHERE d IS NOT NULL),
      coalesce(sum(total_steps), 0),
      coalesce(sum((result -> 'llm' ->> 'calls')::int), 0),
      coalesce(sum((result -> 'llm' ->> 'input_tokens')::bigint), 0),
      coalesce(sum((result -> 'llm' ->> 'output_tokens')::bigint), 0),
      coalesce(sum((result -> 'llm' ->> 'cost_usd')::numeric), 0)
    FROM (
      SELECT total_steps, result,
        CASE WHEN status = 'completed' AND started_at IS NOT NULL AND completed_at IS NOT NULL
             THEN extract(epoch FROM completed_at - started_at) * 1000 END AS d
      FROM autonomous_operations
      WHERE tenant_id = :t AND created_at >= :a AND created_at < :b
    ) o
    """
)


def operation_stats(s: Session, tenant_id: str, start: datetime, end: datetime) -> OperationStats:
    """The tenant's operations created in ``[start, end)``, aggregated (see the module)."""
    params = {"t": tenant_id, "a": start, "b": end}
    by_status = {str(k): int(n) for k, n in s.execute(_BY_STATUS, params).all()}
    med, p95, steps, calls, tin, tout, cost = s.execute(_TOTALS, params).one()
    ended = by_status.get("completed", 0) + by_status.get("failed", 0)
    return OperationStats(
        total=sum(by_status.values()),
        by_status=by_status,
        success_rate=round(by_status.get("completed", 0) / ended, 4) if ended else None,
        duration_ms_median=round(float(med), 1) if med is not None else None,
        duration_ms_p95=round(float(p95), 1) if p95 is not None else None,
        steps=int(steps),
        ai_calls=int(calls),
        ai_input_tokens=int(tin),
        ai_output_tokens=int(tout),
        ai_cost_usd=round(float(cost), 6),
    )
