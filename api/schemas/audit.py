"""Response models of the audit trail routes (issue 16)."""

from __future__ import annotations

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
