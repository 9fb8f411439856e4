"""Documents library routes (issue 14 Build 2, and item 4 ``POST /api/documents/search``).
Uploads are ``multipart/form-data`` with a per-route body limit of ``documents.max_upload_bytes``
(+ 64 KiB for the form's own parts); the type is sniffed from the bytes.
Authz rows: api/authz/rows_documents.py."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.params import Body, FromPath, FromQuery, JSONBody, Parameter
from litestar.response import Response

from api.auth import Principal
from api.errors import unprocessable_body
from api.schemas.documents import (
    DocumentPage,
    DocumentPatch,
    DocumentSearch,
    DocumentText,
    DocumentView,
    SearchResults,
    UploadForm,
)
from api.services.document_search import DocumentSearchService
from api.services.documents import DocumentService
from core import doc_types
from core.settings import get_settings

Req = Request[Principal, Any, Any]
Multipart = Annotated[UploadForm, Body(media_type=RequestEncodingType.MULTI_PART)]
UPLOAD_LIMIT = get_settings().documents.max_upload_bytes + 65_536


def _disposition(filename: str | None, mime: str) -> str:
    name = filename or f"document{doc_types.EXTENSIONS.get(mime, '')}"
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


class DocumentController(Controller):
    path = "/api/documents"
    tags = ["documents"]

    @post("/", operation_id="uploadDocument", request_max_body_size=UPLOAD_LIMIT)
    async def upload(
        self, request: Req, data: Multipart, documents: NamedDependency[DocumentService]
    ) -> DocumentView:
        """Upload a PDF, DOCX or text file (201; extraction starts). 413 too big, 415 type not
        allowed (sniffed, not the name), 422 empty or unknown category."""
        return await documents.upload(request.user, data.file, data.title, data.category)

    @get("/", operation_id="listDocuments")
    async def list_documents(
        self,
        request: Req,
        documents: NamedDependency[DocumentService],
        category: FromQuery[str | None] = None,
        source_type: FromQuery[str | None] = None,
        extraction_status: FromQuery[str | None] = None,
        q: Annotated[str | None, Parameter(max_length=200, description="text in the title")] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> DocumentPage:
        """Newest first, keyset-paged."""
        return await documents.list(
            request.user, category=category, source_type=source_type,
            extraction_status=extraction_status, q=q, cursor=cursor, limit=limit,
        )  # fmt: skip

    @post(
        "/search",
        operation_id="searchDocuments",
        status_code=200,
        exception_handlers={ValidationException: unprocessable_body},
    )
    async def search(
        self,
        request: Req,
        data: JSONBody[DocumentSearch],
        document_search: NamedDependency[DocumentSearchService],
    ) -> SearchResults:
        """Hybrid search of the tenant's extracted documents (full text fused with local
        embeddings by reciprocal rank fusion); each hit cites document, page, section and a
        snippet. 422 naming the field for a bad body."""
        return await document_search.search(request.user, data)

    @get("/{document_id:str}", operation_id="getDocument")
    async def get_document(
        self, request: Req, document_id: FromPath[str], documents: NamedDependency[DocumentService]
    ) -> DocumentView:
        return await documents.get(request.user, document_id)

    @patch("/{document_id:str}", operation_id="updateDocument")
    async def update_document(
        self,
        request: Req,
        document_id: FromPath[str],
        data: JSONBody[DocumentPatch],
        documents: NamedDependency[DocumentService],
    ) -> DocumentView:
        return await documents.patch(request.user, document_id, data.title, data.category)

    @delete("/{document_id:str}", operation_id="deleteDocument")
    async def delete_document(
        self, request: Req, document_id: FromPath[str], documents: NamedDependency[DocumentService]
    ) -> None:
        """The row, its chunks and its encrypted file."""
        await documents.delete(request.user, document_id)

    @get("/{document_id:str}/download", operation_id="downloadDocument")
    async def download(
        self, request: Req, document_id: FromPath[str], documents: NamedDependency[DocumentService]
    ) -> Response[bytes]:
        """The decrypted file with its sniffed type, as an attachment."""
        doc, data = await documents.download(request.user, document_id)
        return Response(
            content=data,
            media_type=doc.mime_type,
            headers={
                "Content-Disposition": _disposition(doc.filename, doc.mime_type),
                "X-Content-Type-Options": "nosniff",
            },
        )

    @get("/{document_id:str}/text", operation_id="getDocumentText")
    async def text(
        self, request: Req, document_id: FromPath[str], documents: NamedDependency[DocumentService]
    ) -> DocumentText:
        """The extracted chunks in order, with page and section."""
        return await documents.text(request.user, document_id)


class OrderDocumentFileController(Controller):
    path = "/api/orders"
    tags = ["documents"]

    @post(
        "/{order_id:str}/documents/{order_document_id:str}/file",
        operation_id="uploadOrderDocumentFile",
        request_max_body_size=UPLOAD_LIMIT,
    )
    async def upload(
        self,
        request: Req,
        order_id: FromPath[str],
        order_document_id: FromPath[str],
        data: Multipart,
        documents: NamedDependency[DocumentService],
    ) -> DocumentView:
        """The file of an order document (201): it becomes a library document (source
        ``order_document``) and the order document is marked received."""
        return await documents.upload_order_document(request.user, order_id, order_document_id, data.file)
