"""Audit export, erasure and retention workflows (issue 16 Builds 2-4): durable sequences of
agent-worker activities, deterministic (no clock but ``workflow.now()``, no I/O).

- :class:`AuditExportWorkflow` (``export-{tenant}-{export id}``): ``build_audit_export`` builds
  the archive (heartbeats; progress in ``audit_exports``), audited as ``audit.export``.
- :class:`AuditErasureWorkflow` (``audit-erasure-{erasure id}``, platform scope: a whole tenant's
  erasure deletes the tenant's payload keyring, so its own history must not be sealed with it):
  ``stop_erased_tenant`` (a whole tenant: kill switch off, its schedules deleted, its running
  workflows terminated), then ``erase_audit_data`` shreds keyrings and blobs, then removes rows
  and writes the certificate.
- :class:`AuditRetentionWorkflow` (``audit-retention``, daily Temporal Schedule, overlap SKIP):
  ``enforce_retention`` per tenant, a page of tenants at a time; ``dry_run`` only reports.
Inputs carry ids only: no email, no row data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core import queues
    from workflows import retry

PAGE = 100
STOP_TENANT = "erasure-stops-tenant"
"""Patch: a tenant erasure first runs ``stop_erased_tenant`` (kill switch, schedules)."""
R = TypeVar("R")


@dataclass(frozen=True)
class ExportInput:
    tenant_id: str
    export_id: str


@dataclass(frozen=True)
class ExportResult:
    export_id: str
    files: int
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class ErasureInput:
    tenant_id: str
    erasure_id: str


@dataclass(frozen=True)
class ErasureResult:
    erasure_id: str
    rows: int
    links_emptied: int
    keyrings_shredded: int
    blobs_deleted: int


@dataclass(frozen=True)
class TenantStopped:
    """``stop_erased_tenant``: the kill switch switched off, schedules deleted and running
    workflows terminated (all 0/False for a subject erasure)."""

    agent_disabled: bool
    schedules_deleted: int
    workflows_terminated: int


@dataclass(frozen=True)
class RetentionRun:
    """``now``: the instant retention is judged at (None: the workflow's time); a later one
    simulates the clock moved forward. ``dry_run``: report, remove nothing."""

    dry_run: bool = False
    now: datetime | None = None


@dataclass(frozen=True)
class TenantRetention:
    tenant_id: str
    now: datetime
    dry_run: bool


@dataclass(frozen=True)
class ClassReport:
    """What one class had past retention: ``count`` items, ``digest`` = sha256 of the sorted
    item list (rows as ``table:id`` or ids, blobs as object keys), the first items as ``sample``."""

    count: int
    digest: str
    sample: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RetentionReport:
    tenant_id: str
    dry_run: bool
    classes: dict[str, ClassReport]


@dataclass(frozen=True)
class TenantPage:
    tenants: list[str]


@dataclass(frozen=True)
class RetentionSummary:
    now: datetime
    dry_run: bool
    tenants: int
    reports: list[RetentionReport]
    """Only the tenants that had something past retention."""


async def _agent(name: str, arg: Any, result_type: type[R], minutes: int) -> R:
    """One agent-worker activity: ``minutes`` to finish, a heartbeat every 2 minutes at most."""
    result: R = await workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        task_queue=queues.AGENT,
        start_to_close_timeout=timedelta(minutes=minutes),
        heartbeat_timeout=timedelta(minutes=2),
        retry_policy=retry.LIFECYCLE,
    )
    return result


@workflow.defn(name="AuditExport")
class AuditExportWorkflow:
    @workflow.run
    async def run(self, inp: ExportInput) -> ExportResult:
        return await _agent("build_audit_export", inp, ExportResult, 60)


@workflow.defn(name="AuditErasure")
class AuditErasureWorkflow:
    @workflow.run
    async def run(self, inp: ErasureInput) -> ErasureResult:
        if workflow.patched(STOP_TENANT):
            await _agent("stop_erased_tenant", inp, TenantStopped, 10)
        return await _agent("erase_audit_data", inp, ErasureResult, 60)


@workflow.defn(name="AuditRetention")
class AuditRetentionWorkflow:
    @workflow.run
    async def run(self, inp: RetentionRun) -> RetentionSummary:
        now = inp.now or workflow.now()
        reports: list[RetentionReport] = []
        after, seen = "", 0
        while True:
            page = await _agent("retention_tenants", after, TenantPage, 5)
            for tenant in page.tenants:
                r = await _agent(
                    "enforce_retention", TenantRetention(tenant, now, inp.dry_run), RetentionReport, 30
                )
                if any(c.count for c in r.classes.values()):
                    reports.append(r)
            seen += len(page.tenants)
            if len(page.tenants) < PAGE:
                return RetentionSummary(now=now, dry_run=inp.dry_run, tenants=seen, reports=reports)
            after = page.tenants[-1]
