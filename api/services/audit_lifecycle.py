"""Audit export, erasure and retention for one tenant (issue 16 Builds 2-4): the API writes the
request row and starts the workflow that does the work; it never reads the data itself, except
to hand back a finished archive. Another tenant's id is a 404 (RLS finds nothing)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from temporalio.client import Client

from api.auth import Principal
from api.errors import ConflictException, NotFoundException, UnprocessableException
from api.schemas.audit_lifecycle import (
    ErasureRequest,
    ErasureView,
    ExportRequest,
    ExportView,
    RetentionRunRequest,
    RetentionRunView,
    RetentionUpdate,
    RetentionView,
)
from core import queues
from core.keys import KeyStore, ensure_tenant_keyring
from core.objectstore import ObjectNotFound, ObjectStore
from core.retention import normal_email, periods
from core.settings import Settings
from schema.audit_lifecycle import AuditErasure, AuditExport
from schema.db import tenant_transaction
from schema.repositories import audit_lifecycle as repo
from workflows.audit_lifecycle import (
    AuditErasureWorkflow,
    AuditExportWorkflow,
    AuditRetentionWorkflow,
    ErasureInput,
    ExportInput,
    RetentionRun,
)
from workflows.ids import erasure_workflow_id, export_workflow_id, retention_run_workflow_id

T = TypeVar("T")


def export_view(r: AuditExport) -> ExportView:
    return ExportView(
        id=r.id,
        status=r.status,
        subject=r.subject_email is not None,
        format=r.archive_format,
        progress=r.progress,
        total=r.total,
        sha256=r.sha256,
        size_bytes=r.size_bytes,
        created_at=r.created_at,
        finished_at=r.finished_at,
    )


def erasure_view(r: AuditErasure) -> ErasureView:
    scope = "subject" if (r.subject_email or r.subject_hash) else "tenant"
    return ErasureView(
        id=r.id,
        status=r.status,
        scope=scope,
        certificate=r.certificate,
        created_at=r.created_at,
        finished_at=r.finished_at,
    )


class AuditLifecycleService:
    def __init__(self, client: Client, engine: Engine, settings: Settings, vault: KeyStore) -> None:
        self.client, self.engine, self.settings, self.vault = client, engine, settings, vault

    async def _db(self, tenant_id: str, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with tenant_transaction(self.engine, tenant_id) as s:
                out = work(s)
                s.commit()
                return out

        return await asyncio.to_thread(run)

    async def start_export(self, p: Principal, req: ExportRequest) -> ExportView:
        """Queue an export and start ``export-{tenant}-{id}``; 202 with the id."""
        subject = normal_email(str(req.subject_email)) if req.subject_email else None
        row = await self._db(
            p.tenant_id, lambda s: repo.add_export(s, p.tenant_id, subject, req.format, p.user_id)
        )
        await self.client.start_workflow(
            AuditExportWorkflow.run,
            ExportInput(p.tenant_id, row.id),
            id=export_workflow_id(p.tenant_id, row.id),
            task_queue=queues.AGENT,
        )
        return export_view(row)

    async def _export(self, p: Principal, export_id: str) -> AuditExport:
        row = await self._db(p.tenant_id, lambda s: repo.get_export(s, export_id))
        if row is None:
            raise NotFoundException(f"export_id: no export {export_id!r}")
        return row

    async def export(self, p: Principal, export_id: str) -> ExportView:
        return export_view(await self._export(p, export_id))

    async def download(self, p: Principal, export_id: str) -> tuple[AuditExport, bytes]:
        """The decrypted archive; 409 until it is done, 404 once erased or gone."""
        row = await self._export(p, export_id)
        if row.status != "done" or not row.blob_key:
            raise ConflictException(f"export_id: export is {row.status}, not done")

        def read() -> bytes:
            ring = ensure_tenant_keyring(self.vault, p.tenant_id)
            return ObjectStore(self.settings.object_dir, ring).get(row.blob_key or "")

        try:
            return row, await asyncio.to_thread(read)
        except (ObjectNotFound, KeyError):
            raise NotFoundException(f"export_id: the archive of {export_id!r} is gone") from None

    async def start_erasure(self, p: Principal, req: ErasureRequest) -> ErasureView:
        """Queue an erasure and start ``audit-erasure-{id}``; a whole tenant's needs
        ``confirm_tenant`` (422 otherwise)."""
        if req.subject_email is None and req.confirm_tenant != p.tenant_id:
            raise UnprocessableException("confirm_tenant: erasing the whole tenant needs its id here")
        subject = normal_email(str(req.subject_email)) if req.subject_email else None
        row = await self._db(p.tenant_id, lambda s: repo.add_erasure(s, p.tenant_id, subject, p.user_id))
        await self.client.start_workflow(
            AuditErasureWorkflow.run,
            ErasureInput(p.tenant_id, row.id),
            id=erasure_workflow_id(row.id),
            task_queue=queues.AGENT,
        )
        return erasure_view(row)

    async def erasure(self, p: Principal, erasure_id: str) -> ErasureView:
        row = await self._db(p.tenant_id, lambda s: repo.get_erasure(s, erasure_id))
        if row is None:
            raise NotFoundException(f"erasure_id: no erasure {erasure_id!r}")
        return erasure_view(row)

    async def retention(self, p: Principal) -> RetentionView:
        own = await self._db(p.tenant_id, lambda s: repo.retention_overrides(s, p.tenant_id))
        a = self.settings.audit
        return RetentionView(
            tenant_id=p.tenant_id,
            days=periods(a.retention_days, own),
            default_days=a.retention_days,
            temporal_namespace_days=a.temporal_retention_days,
        )

    async def set_retention(self, p: Principal, req: RetentionUpdate) -> RetentionView:
        """Set some classes' periods (422 naming the class out of 1..3650 days)."""
        try:
            days = req.checked()
        except ValueError as e:
            raise UnprocessableException(str(e)) from None
        await self._db(p.tenant_id, lambda s: repo.set_retention(s, p.tenant_id, days, p.user_id))
        return await self.retention(p)

    async def run_retention(self, req: RetentionRunRequest) -> RetentionRunView:
        """An operator's run (a dry run by default): ``audit-retention-{hex}``."""
        wid = retention_run_workflow_id(uuid.uuid4().hex)
        await self.client.start_workflow(
            AuditRetentionWorkflow.run,
            RetentionRun(dry_run=req.dry_run, now=req.now),
            id=wid,
            task_queue=queues.AGENT,
        )
        return RetentionRunView(workflow_id=wid)
