"""Audit export, erasure and retention routes (issue 16 Builds 2-4), under ``/api/audit``:
exports (owners and admins), erasures (owners), retention periods, an operator's retention run."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Response
from litestar.status_codes import HTTP_202_ACCEPTED

from api.auth import Principal
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
from api.services.audit_lifecycle import AuditLifecycleService

Req = Request[Principal, Any, Any]
Svc = NamedDependency[AuditLifecycleService]
MEDIA = {"zip": "application/zip", "tar.gz": "application/gzip"}


class AuditLifecycleController(Controller):
    path = "/api/audit"
    tags = ["audit"]

    @post("/exports", operation_id="createAuditExport", status_code=HTTP_202_ACCEPTED)
    async def create_export(
        self, request: Req, data: JSONBody[ExportRequest], audit_lifecycle: Svc
    ) -> ExportView:
        """Start an export of the tenant, or of one data subject (``subject_email``): audit rows
        and chain links, consents, operations, decrypted screenshots, outbound and inbound mail,
        the signed digests, and ``manifest.json`` (sha256 of every file). 202 with its id."""
        return await audit_lifecycle.start_export(request.user, data)

    @get("/exports/{export_id:str}", operation_id="getAuditExport")
    async def get_export(self, request: Req, export_id: FromPath[str], audit_lifecycle: Svc) -> ExportView:
        """Status and progress (files done of ``total``)."""
        return await audit_lifecycle.export(request.user, export_id)

    @get("/exports/{export_id:str}/download", operation_id="downloadAuditExport")
    async def download_export(
        self, request: Req, export_id: FromPath[str], audit_lifecycle: Svc
    ) -> Response[bytes]:
        """The archive (409 until done), decrypted, as an attachment."""
        row, data = await audit_lifecycle.download(request.user, export_id)
        return Response(
            content=data,
            media_type=MEDIA.get(row.archive_format, "application/octet-stream"),
            headers={
                "Content-Disposition": f'attachment; filename="audit-export-{row.id}.{row.archive_format}"',
                "X-Content-Type-Options": "nosniff",
            },
        )

    @post("/erasures", operation_id="createAuditErasure", status_code=HTTP_202_ACCEPTED)
    async def create_erasure(
        self, request: Req, data: JSONBody[ErasureRequest], audit_lifecycle: Svc
    ) -> ErasureView:
        """Erase one data subject, or the whole tenant (``confirm_tenant``): rows deleted, keys
        shredded, chain entries tombstoned; the certificate is an audit entry. 202 with its id."""
        return await audit_lifecycle.start_erasure(request.user, data)

    @get("/erasures/{erasure_id:str}", operation_id="getAuditErasure")
    async def get_erasure(self, request: Req, erasure_id: FromPath[str], audit_lifecycle: Svc) -> ErasureView:
        """Status and, once done, the erasure certificate."""
        return await audit_lifecycle.erasure(request.user, erasure_id)

    @get("/retention", operation_id="getRetentionPolicy")
    async def get_retention(self, request: Req, audit_lifecycle: Svc) -> RetentionView:
        """Each data class's retention in days."""
        return await audit_lifecycle.retention(request.user)

    @put("/retention", operation_id="setRetentionPolicy")
    async def set_retention(
        self, request: Req, data: JSONBody[RetentionUpdate], audit_lifecycle: Svc
    ) -> RetentionView:
        """Set some classes' retention (1 to 3650 days each)."""
        return await audit_lifecycle.set_retention(request.user, data)

    @post("/retention/runs", operation_id="runRetention", status_code=HTTP_202_ACCEPTED)
    async def run_retention(
        self, data: JSONBody[RetentionRunRequest], audit_lifecycle: Svc
    ) -> RetentionRunView:
        """Operators: run retention now over every tenant; a dry run (the default) only reports,
        in the workflow's result."""
        return await audit_lifecycle.run_retention(data)
