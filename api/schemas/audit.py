"""Response models of the audit trail routes (issue 16)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ChainBreak(BaseModel):
    seq: int
    """The first link that does not hold."""
    reason: str


class UnchainedRow(BaseModel):
    table: str
    id: str
    last_link: int | None
    reason: str


class AuditVerifyView(BaseModel):
    """The verifier's report (``schema.audit_verify``): ``ok`` only when every link recomputes,
    every audit row matches its last link and every signed digest verifies against the chain."""

    tenant_id: str
    ok: bool
    links: int
    head_seq: int | None
    head_hash: str | None
    first_break: ChainBreak | None
    unchained: list[UnchainedRow]
    digests: int
    digest_failures: list[str]


class OperationStatsView(BaseModel):
    """A tenant's operations created in ``[start, end)`` (seed 001 "operation statistics")."""

    tenant_id: str
    start: datetime
    end: datetime
    total: int
    by_status: dict[str, int]
    success_rate: float | None
    """completed / (completed + failed); null when none ended either way."""
    duration_ms_median: float | None
    """Of completed operations, ``completed_at - started_at``."""
    duration_ms_p95: float | None
    steps: int
    ai_calls: int
    ai_input_tokens: int
    ai_output_tokens: int
    ai_cost_usd: float
