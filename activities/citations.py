"""The email writers' citations (issue 14 Build 6): the paragraph quoting a tenant's own
documents that ``send_email`` appends to a body whose :class:`~workflows.citations.CiteRequest`
asks for one.

Only tenant-authored documents are quoted (:data:`schema.repositories.citations.TENANT_AUTHORED`),
bounded and stripped of links and addresses (:func:`workflows.citations.email_citation`). A
failed retrieval never fails the email: it goes out without the citation, and the log says why.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.logging import get_logger
from schema.db import tenant_transaction
from schema.repositories import citations
from workflows.citations import CiteRequest, email_citation

log = get_logger("activities.citations")


def citation(engine: Engine, tenant_id: str, req: CiteRequest) -> str:
    """``"\\n\\nFrom our "<title>" (page N): "<passage>""`` for the best ``req.k`` passages of
    ``tenant_id``'s own documents, or ``""`` when none matches or retrieval fails."""
    try:
        with tenant_transaction(engine, tenant_id) as s:
            found = citations.passages(
                s,
                tenant_id,
                req.query,
                k=req.k,
                categories=req.categories or None,
                source_types=citations.TENANT_AUTHORED,
            )
    except (SQLAlchemyError, OSError, ValueError) as e:
        log.warning("citation skipped: retrieval failed", tenant_id=tenant_id, error=type(e).__name__)
        return ""
    return email_citation(found)
