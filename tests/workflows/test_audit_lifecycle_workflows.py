"""Audit export, erasure and retention workflows (issue 16 Builds 2-4) on the time-skipping test
server with stand-in activities: each runs its activity and retries an outage; retention pages
through every tenant at one ``now`` and keeps only the reports that found something; and the
agent worker's namespace retention update reaches the real dev server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from temporalio import activity
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from core import queues
from tests.histories import record
from workers.platform_schedules import set_namespace_retention
from workers.sandbox import workflow_runner
from workflows.audit_lifecycle import (
    PAGE,
    AuditErasureWorkflow,
    AuditExportWorkflow,
    AuditRetentionWorkflow,
    ClassReport,
    ErasureInput,
    ErasureResult,
    ExportInput,
    ExportResult,
    RetentionReport,
    RetentionRun,
    TenantPage,
    TenantRetention,
    TenantStopped,
)

ROW = "0123456789abcdef0123456789abcdef"


async def test_an_export_builds_its_archive_and_an_outage_is_retried(time_env: WorkflowEnvironment) -> None:
    calls: list[ExportInput] = []

    @activity.defn(name="build_audit_export")
    async def build(inp: ExportInput) -> ExportResult:
        calls.append(inp)
        if len(calls) == 1:
            raise RuntimeError("vault unavailable")  # retried (LIFECYCLE)
        return ExportResult(inp.export_id, files=9, sha256="ab" * 32, size_bytes=4096)

    async with Worker(
        time_env.client,
        task_queue=queues.AGENT,
        workflows=[AuditExportWorkflow],
        activities=[build],
        workflow_runner=workflow_runner(),
    ):
        handle = await time_env.client.start_workflow(
            AuditExportWorkflow.run,
            ExportInput("acme", ROW),
            id=f"export-acme-{uuid.uuid4().hex}",
            task_queue=queues.AGENT,
        )
        result = await handle.result()
    await record(handle)
    assert result == ExportResult(ROW, 9, "ab" * 32, 4096) and len(calls) == 2


async def test_an_erasure_runs_once_to_its_certificate(time_env: WorkflowEnvironment) -> None:
    @activity.defn(name="erase_audit_data")
    async def erase(inp: ErasureInput) -> ErasureResult:
        return ErasureResult(inp.erasure_id, rows=12, links_emptied=20, keyrings_shredded=2, blobs_deleted=5)

    @activity.defn(name="stop_erased_tenant")
    async def stop(inp: ErasureInput) -> TenantStopped:
        return TenantStopped(agent_disabled=False, schedules_deleted=0, workflows_terminated=0)

    async with Worker(
        time_env.client,
        task_queue=queues.AGENT,
        workflows=[AuditErasureWorkflow],
        activities=[erase, stop],
        workflow_runner=workflow_runner(),
    ):
        handle = await time_env.client.start_workflow(
            AuditErasureWorkflow.run,
            ErasureInput("acme", ROW),
            id=f"audit-erasure-{uuid.uuid4().hex}",
            task_queue=queues.AGENT,
        )
        result = await handle.result()
    await record(handle)
    assert result == ErasureResult(ROW, 12, 20, 2, 5)


async def test_a_tenant_erasure_stops_the_tenant_before_it_shreds(time_env: WorkflowEnvironment) -> None:
    """Issue 16 Build 3: the kill switch and the schedules go before the keys do."""
    calls: list[str] = []

    @activity.defn(name="stop_erased_tenant")
    async def stop(inp: ErasureInput) -> TenantStopped:
        calls.append("stop")
        return TenantStopped(agent_disabled=True, schedules_deleted=4, workflows_terminated=1)

    @activity.defn(name="erase_audit_data")
    async def erase(inp: ErasureInput) -> ErasureResult:
        calls.append("erase")
        return ErasureResult(inp.erasure_id, rows=3, links_emptied=3, keyrings_shredded=5, blobs_deleted=1)

    async with Worker(
        time_env.client,
        task_queue=queues.AGENT,
        workflows=[AuditErasureWorkflow],
        activities=[stop, erase],
        workflow_runner=workflow_runner(),
    ):
        handle = await time_env.client.start_workflow(
            AuditErasureWorkflow.run,
            ErasureInput("acme", ROW),
            id=f"audit-erasure-{uuid.uuid4().hex}",
            task_queue=queues.AGENT,
        )
        assert await handle.result() == ErasureResult(ROW, 3, 3, 5, 1)
    await record(handle)
    assert calls == ["stop", "erase"]


async def test_retention_visits_every_tenant_page_at_one_now(time_env: WorkflowEnvironment) -> None:
    tenants = [f"t{n:04d}" for n in range(PAGE + 3)]
    seen: list[TenantRetention] = []
    now = datetime(2027, 3, 8, 4, 0, tzinfo=UTC)

    @activity.defn(name="retention_tenants")
    async def page(after: str) -> TenantPage:
        return TenantPage([t for t in tenants if t > after][:PAGE])

    @activity.defn(name="enforce_retention")
    async def enforce(inp: TenantRetention) -> RetentionReport:
        seen.append(inp)
        n = 3 if inp.tenant_id in ("t0007", "t0101") else 0
        return RetentionReport(
            inp.tenant_id, inp.dry_run, {"audit_rows": ClassReport(n, "d" * 64, ["x"] * n)}
        )

    async with Worker(
        time_env.client,
        task_queue=queues.AGENT,
        workflows=[AuditRetentionWorkflow],
        activities=[page, enforce],
        workflow_runner=workflow_runner(),
    ):
        handle = await time_env.client.start_workflow(
            AuditRetentionWorkflow.run,
            RetentionRun(dry_run=True, now=now),
            id=f"audit-retention-{uuid.uuid4().hex}",
            task_queue=queues.AGENT,
        )
        result = await handle.result()
    await record(handle)
    assert [s.tenant_id for s in seen] == tenants and {(s.now, s.dry_run) for s in seen} == {(now, True)}
    assert result.tenants == PAGE + 3 and [r.tenant_id for r in result.reports] == ["t0007", "t0101"]


async def test_the_worker_sets_the_namespace_retention(temporal_client: Client) -> None:
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

    assert await set_namespace_retention(temporal_client, 90)
    ns = await temporal_client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=temporal_client.namespace)
    )
    assert ns.config.workflow_execution_retention_ttl.seconds == 90 * 86_400
