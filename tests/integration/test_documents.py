"""The documents library on the real stack (issue 14): uploads through the API (in process), the
documents worker extracting on Temporal, Postgres and Vault (the tenant's keyring seals the blob).
Fixtures are made by the real tools at test time (tests/document_fixtures.py)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.settings import get_settings
from devstack.stack import Stack
from schema.documents import Document, DocumentChunk
from schema.intake import OrderDocument
from tests import document_fixtures as fx
from tests.integration.cycle_helpers import account, add, enable, good_order, one, rows
from tests.integration.helpers import headers

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TERMINAL = {"completed", "failed", "skipped"}


@pytest.fixture(scope="session")
async def docs_api(agent_stack: Stack) -> AsyncIterator[Any]:
    """The API in process over the agent stack (with the documents worker; no browser)."""
    from litestar.testing import AsyncTestClient

    from api.app import create_app

    async with AsyncTestClient(app=create_app(), timeout=60) as client:
        yield client


async def upload(api: Any, tenant: str, name: str, data: bytes, **form: str) -> Any:
    return await api.post(
        "/api/documents", headers=headers(tenant, roles=("member",)), files={"file": (name, data)}, data=form
    )


async def settled(api: Any, tenant: str, doc_id: str, timeout: float = 90) -> dict[str, Any]:
    for _ in range(int(timeout / 0.25)):
        r = await api.get(f"/api/documents/{doc_id}", headers=headers(tenant, roles=("viewer",)))
        if r.json()["extraction_status"] in TERMINAL:
            return dict(r.json())
        await asyncio.sleep(0.25)
    raise AssertionError(f"document {doc_id} did not settle")


async def test_each_fixture_ends_in_the_right_status_with_pages_and_sections(
    docs_api: Any, tenant: str
) -> None:
    enable(tenant)
    cases = {
        "report.docx": (fx.docx_bytes(), DOCX, "completed", None),
        "three.pdf": (fx.pdf_bytes(3), "application/pdf", "completed", None),
        "scan.pdf": (fx.image_pdf_bytes(), "application/pdf", "skipped", "no text layer (scanned?)"),
        "locked.pdf": (fx.encrypted_pdf_bytes(), "application/pdf", "failed", "encrypted PDF"),
        "broken.pdf": (fx.malformed_pdf_bytes(), "application/pdf", "failed", "corrupt PDF"),
        "lying.docx": (fx.pdf_bytes(1), "application/pdf", "completed", None),  # a PDF named .docx
        "lying.pdf": (fx.docx_bytes(), DOCX, "completed", None),  # a DOCX named .pdf
        "bomb.docx": (fx.zip_bomb_docx_bytes(), DOCX, "failed", "unsafe DOCX"),
    }
    ids = {}
    for name, (data, mime, _, _) in cases.items():
        r = await upload(docs_api, tenant, name, data, category="contract")
        assert r.status_code == 201, (name, r.text)
        assert r.json()["mime_type"] == mime, name
        assert r.json()["size_bytes"] == len(data) and len(r.json()["sha256"]) == 64
        ids[name] = r.json()["id"]
    for name, (_, _, status, reason) in cases.items():
        doc = await settled(docs_api, tenant, ids[name])
        assert doc["extraction_status"] == status, (name, doc)
        assert (doc["status_reason"] or "").startswith(reason or ""), (name, doc)
        if status != "completed":
            assert doc["chunk_count"] == 0
    pdf = await docs_api.get(f"/api/documents/{ids['three.pdf']}/text", headers=headers(tenant))
    chunks = pdf.json()["chunks"]
    assert {c["page"] for c in chunks} == {1, 2, 3}
    assert all(f"page marker {c['page']}." in c["text"] for c in chunks if "page marker" in c["text"])
    assert [c["ordinal"] for c in chunks] == list(range(len(chunks)))
    docx = (await docs_api.get(f"/api/documents/{ids['report.docx']}/text", headers=headers(tenant))).json()
    sections = {c["section"] for c in docx["chunks"]}
    assert {"Scope of work", "Fees", "header", "footer"} <= sections
    assert any("450 USD" in c["text"] and c["section"] == "Fees" for c in docx["chunks"])
    stored = rows(DocumentChunk, document_id=ids["three.pdf"])
    assert all(c.embedding and len(c.embedding) == 1024 and c.embedding_model for c in stored)


async def test_upload_limits_and_type_allowlist_are_problem_details(docs_api: Any, tenant: str) -> None:
    enable(tenant)
    limit = get_settings().documents.max_upload_bytes
    too_big = await upload(docs_api, tenant, "big.txt", b"a" * (limit + 1))
    png = await upload(docs_api, tenant, "pic.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    zip_ = await upload(docs_api, tenant, "a.docx", fx.plain_zip_bytes())
    empty = await upload(docs_api, tenant, "e.txt", b"")
    bad_cat = await upload(docs_api, tenant, "a.txt", b"hello", category="nope")
    for r, code in ((too_big, 413), (png, 415), (zip_, 415), (empty, 422), (bad_cat, 422)):
        assert r.status_code == code, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    assert rows(Document, tenant_id=tenant) == []
    viewer = await docs_api.post(
        "/api/documents", headers=headers(tenant, roles=("viewer",)), files={"file": ("a.txt", b"x")}
    )
    assert viewer.status_code == 403


async def test_routes_crud_download_delete_and_cross_tenant_404(docs_api: Any, tenant: str) -> None:
    enable(tenant)
    other = f"{tenant}-x"
    enable(other)
    data = fx.docx_bytes()
    r = await upload(docs_api, tenant, "Engagement letter.pdf", data, title="Engagement letter")
    doc_id = r.json()["id"]
    await settled(docs_api, tenant, doc_id)
    h, ho = headers(tenant), headers(other)
    dl = await docs_api.get(f"/api/documents/{doc_id}/download", headers=h)
    assert dl.status_code == 200 and dl.content == data
    assert dl.headers["content-type"].startswith(DOCX)
    assert dl.headers["content-disposition"].startswith("attachment;")
    stored = get_settings().object_dir / f"{tenant}/documents/{doc_id}.enc"
    assert stored.exists() and b"word/document.xml" not in stored.read_bytes()  # sealed at rest

    p = await docs_api.patch(
        f"/api/documents/{doc_id}", headers=h, json={"title": "Letter", "category": "sop"}
    )
    assert p.status_code == 200 and (p.json()["title"], p.json()["category"]) == ("Letter", "sop")
    listed = (await docs_api.get("/api/documents", headers=h, params={"category": "sop", "q": "lett"})).json()
    assert [d["id"] for d in listed["items"]] == [doc_id]
    assert (await docs_api.get("/api/documents", headers=h, params={"cursor": "junk"})).status_code == 400

    routes = [
        ("get", f"/api/documents/{doc_id}", {}),
        ("get", f"/api/documents/{doc_id}/download", {}),
        ("get", f"/api/documents/{doc_id}/text", {}),
        ("patch", f"/api/documents/{doc_id}", {"json": {"title": "mine now"}}),
        ("delete", f"/api/documents/{doc_id}", {}),
    ]
    for method, path, kw in routes:
        got = await getattr(docs_api, method)(path, headers=ho, **kw)
        assert got.status_code == 404, (method, path, got.text)
    assert (await docs_api.get("/api/documents", headers=ho)).json()["items"] == []
    assert one(Document, id=doc_id).title == "Letter"

    assert (
        await docs_api.delete(f"/api/documents/{doc_id}", headers=headers(tenant, roles=("member",)))
    ).status_code == 403
    gone = await docs_api.delete(f"/api/documents/{doc_id}", headers=h)
    assert gone.status_code == 204
    assert rows(Document, id=doc_id) == [] and rows(DocumentChunk, document_id=doc_id) == []
    assert not stored.exists()
    assert (await docs_api.get(f"/api/documents/{doc_id}", headers=h)).status_code == 404


async def test_order_document_file_becomes_a_document_once(docs_api: Any, tenant: str) -> None:
    enable(tenant)
    acct = account(tenant)
    order = good_order(tenant, acct.id)
    od = OrderDocument(tenant_id=tenant, order_id=order.id, kind="invoice", required=True)
    add(od)
    path = f"/api/orders/{order.id}/documents/{od.id}/file"
    first = await docs_api.post(path, headers=headers(tenant), files={"file": ("inv.pdf", fx.pdf_bytes(1))})
    again = await docs_api.post(path, headers=headers(tenant), files={"file": ("inv.pdf", fx.pdf_bytes(1))})
    assert first.status_code == again.status_code == 201, first.text
    assert first.json()["id"] == again.json()["id"]
    assert (first.json()["source_type"], first.json()["source_ref"]) == ("order_document", od.id)
    linked = one(OrderDocument, id=od.id)
    assert linked.document_id == first.json()["id"] and linked.received_at is not None
    other = f"{tenant}-y"
    enable(other)
    cross = await docs_api.post(path, headers=headers(other), files={"file": ("inv.pdf", fx.pdf_bytes(1))})
    assert cross.status_code == 404
    assert (await settled(docs_api, tenant, first.json()["id"]))["extraction_status"] == "completed"


@pytest.mark.parametrize("point", ["documents.mid_extraction", "documents.after_commit"])
async def test_killed_worker_ends_completed_exactly_once(
    docs_api: Any, agent_stack: Stack, tenant: str, point: str
) -> None:
    """The worker dies (``os._exit``, no cleanup: a SIGKILL at a known place) mid-extraction of a
    200-page PDF, or after committing but before reporting; a fresh worker retries after the
    heartbeat timeout, and the document ends completed with one set of chunks."""
    enable(tenant)
    stack = agent_stack
    stack.stop("worker-documents", signal.SIGKILL)
    stack.worker("worker-documents-doomed", "documents", env={"OMNIOPS_FAILPOINTS": point})
    try:
        r = await upload(docs_api, tenant, "long.pdf", fx.pdf_bytes(200))
        doc_id = r.json()["id"]
        for _ in range(240):
            if not stack.running("worker-documents-doomed"):
                break
            await asyncio.sleep(0.25)
        assert not stack.running("worker-documents-doomed"), "the failpoint was not reached"
        assert one(Document, id=doc_id).extraction_status in ("processing", "completed")
    finally:
        stack.stop("worker-documents-doomed", signal.SIGKILL)
        stack.worker("worker-documents", "documents")
    doc = await settled(docs_api, tenant, doc_id, timeout=120)
    assert (doc["extraction_status"], doc["page_count"]) == ("completed", 200)
    chunks = rows(DocumentChunk, document_id=doc_id)
    assert len(chunks) == doc["chunk_count"] > 0
    assert sorted(c.ordinal for c in chunks) == list(range(len(chunks)))
    markers = [c.page for c in chunks if "page marker" in c.text]
    assert sorted(markers) == list(range(1, 201))  # each page's text exactly once


async def test_ingest_hand_off_is_idempotent_per_source(
    docs_api: Any, agent_stack: Stack, tenant: str
) -> None:
    """``ingest_document`` (the hand-off inbox ingestion and generated documents call): one row per
    (tenant, source_type, source_ref), extraction started, a refused type non-retryable."""
    from temporalio.exceptions import ApplicationError
    from temporalio.testing import ActivityEnvironment

    from activities.documents import DocumentActivities, IngestInput
    from core.temporal import connect
    from schema.db import engine_for
    from workflows import ids

    enable(tenant)
    settings = get_settings()
    acts = DocumentActivities(
        settings, engine_for(settings.database.url), await connect(settings, scoping=ids)
    )
    env = ActivityEnvironment()
    inp = IngestInput(
        tenant, "email_attachment", "msg-1/att-2", "terms.docx", fx.docx_bytes(), "email_attachment"
    )
    first = await env.run(acts.ingest_document, inp)
    again = await env.run(acts.ingest_document, inp)
    assert first == again and len(rows(Document, tenant_id=tenant)) == 1
    doc = await settled(docs_api, tenant, first)
    assert (doc["source_type"], doc["source_ref"], doc["extraction_status"]) == (
        "email_attachment",
        "msg-1/att-2",
        "completed",
    )
    with pytest.raises(ApplicationError) as e:
        await env.run(
            acts.ingest_document, IngestInput(tenant, "generated", "g-1", "x.png", b"\x89PNG\r\n\x1a\n\0\0")
        )
    assert e.value.non_retryable and e.value.type == "DocumentUnextractable"
