"""CSV imports (issue 12, Build 2): ``POST /api/imports`` (multipart: ``file``, ``entity``,
``dry_run``) -> 202 with the import's id; ``GET /api/imports/{id}`` its progress and counts;
``GET /api/imports/{id}/rows`` the per-row report; ``GET /api/imports`` the tenant's imports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED
from pydantic import BaseModel

from api.auth import Principal
from api.services.imports import ImportService

Req = Request[Principal, Any, Any]
HARD_CAP = 256 * 1_048_576
"""The server's own cap on an upload; ``imports.max_upload_bytes`` (413) is the configured one."""


@dataclass
class ImportUpload:
    file: UploadFile
    entity: str
    """accounts, contacts, products or orders."""
    dry_run: bool = False


class ImportView(BaseModel):
    id: str
    entity: str
    dry_run: bool
    status: str
    """pending, running, completed or failed."""
    filename: str | None = None
    total_rows: int
    processed: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    error: str | None = None
    created_by: str | None = None
    created_at: datetime
    completed_at: datetime | None = None
    workflow_id: str | None = None


class ImportPage(BaseModel):
    items: list[ImportView]
    next_cursor: str | None = None


class ImportRowView(BaseModel):
    row_no: int
    status: str
    reason: str | None = None
    """Why it was rejected, naming the field."""
    record_id: str | None = None


class ImportRowPage(BaseModel):
    items: list[ImportRowView]
    next_cursor: str | None = None


Limit = Annotated[int, QueryParameter(ge=1, le=500)]


class ImportController(Controller):
    path = "/api/imports"
    tags = ["records"]

    @post("/", operation_id="startImport", status_code=HTTP_202_ACCEPTED, request_max_body_size=HARD_CAP)
    async def start(
        self,
        request: Req,
        data: Annotated[ImportUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        imports: NamedDependency[ImportService],
    ) -> ImportView:
        """Validate, deduplicate and upsert a CSV's rows as a workflow (contacts dedupe on email,
        orders on external_id, products on code, accounts on external_id else name). With
        ``dry_run`` nothing is written and the report says what would happen. Follow
        ``GET /api/imports/{id}``."""
        raw = await data.file.read()
        view = await imports.start(request.user, data.entity, raw, data.file.filename, data.dry_run)
        return ImportView(**view)

    @get("/", operation_id="listImports")
    async def list_(
        self,
        request: Req,
        imports: NamedDependency[ImportService],
        cursor: FromQuery[str | None] = None,
        limit: Limit = 50,
    ) -> ImportPage:
        """The tenant's imports, newest first."""
        return ImportPage(**await imports.list_jobs(request.user, cursor, limit))

    @get("/{import_id:str}", operation_id="getImport")
    async def get_(
        self, request: Req, import_id: FromPath[str], imports: NamedDependency[ImportService]
    ) -> ImportView:
        """Progress and counts (rows processed, created, updated, unchanged, rejected)."""
        return ImportView(**await imports.get(request.user, import_id))

    @get("/{import_id:str}/rows", operation_id="listImportRows")
    async def rows(
        self,
        request: Req,
        import_id: FromPath[str],
        imports: NamedDependency[ImportService],
        status: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 100,
    ) -> ImportRowPage:
        """The per-row report in row order (``status=rejected`` for the rejected ones, with reasons)."""
        return ImportRowPage(**await imports.rows(request.user, import_id, status, cursor, limit))
