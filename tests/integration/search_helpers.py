"""Seeding and the labelled relevance set of the document search tests (issue 14 item 4).

:func:`seed` writes completed documents straight through the repositories (``create_document`` +
``replace_chunks``, as extraction does) with real embeddings (``core.embeddings``), in the tenant's
own ``tenant_transaction``. The relevance set: :data:`DOCS` (16 short documents written for the
test; the engagement letter has two pages) among :func:`distractors` (40 order notes and a
near-twin invoice), and :data:`QUERIES` (20 queries each labelled with its one relevant
document): 8 share words with it, 4 name exact numbers or names, 8 are paraphrases with no content
word in common, which only semantic search can find.
"""

from __future__ import annotations

import hashlib

from core.embeddings import MODEL, embedder, pack
from schema.db import get_engine, owner_transaction, tenant_transaction
from schema.documents import Document
from schema.repositories import documents as repo
from schema.repositories.tenants import ensure_tenant
from tests.search_corpus import passages

Page = tuple[int | None, str | None, str]
Doc = tuple[str, str, list[Page]]

DOCS: dict[str, Doc] = {
    "rush": (
        "Rush order handling",
        "sop",
        [
            (
                None,
                "Rush orders",
                (
                    "Rush orders must be assigned within two hours. The coordinator confirms the appraiser's "
                    "availability by phone and flags the order as priority in the portal."
                ),
            ),
        ],
    ),
    "bid": (
        "Standard residential bid",
        "bid_template",
        [
            (
                None,
                None,
                (
                    "Our fee for a single-family residential appraisal is 450 USD with a turnaround of five "
                    "business days. Complex properties are quoted separately."
                ),
            ),
        ],
    ),
    "letter": (
        "Engagement letter, Acme Lending",
        "contract",
        [
            (
                1,
                None,
                (
                    "This engagement letter sets the terms between Acme Lending and the appraisal firm for "
                    "residential assignments in the state."
                ),
            ),
            (
                2,
                None,
                (
                    "Either party may terminate this agreement with thirty days written notice to the other "
                    "party."
                ),
            ),
        ],
    ),
    "invoice": (
        "Invoice 2024-117",
        "invoice",
        [
            (
                1,
                None,
                (
                    "Invoice 2024-117 for appraisal services at 12 Oak Street. Amount due 525 USD, payable "
                    "within 30 days. Late payments incur a 1.5% monthly charge."
                ),
            ),
        ],
    ),
    "qc": (
        "Quality control review",
        "sop",
        [
            (
                None,
                "Review",
                (
                    "Every report is checked by a second reviewer before delivery. The reviewer verifies "
                    "comparable sales, adjustments and the reconciliation of value."
                ),
            ),
        ],
    ),
    "mileage": (
        "Vehicle mileage policy",
        "internal",
        [
            (
                None,
                None,
                (
                    "Staff who drive their personal car to inspections are reimbursed 0.67 per mile. Submit "
                    "the mileage log with the monthly expense report."
                ),
            ),
        ],
    ),
    "safety": (
        "Inspection safety",
        "sop",
        [
            (
                None,
                "Safety",
                (
                    "Inspectors must not enter vacant buildings alone. Wear protective footwear and report "
                    "hazards such as mold, exposed wiring or unstable stairs."
                ),
            ),
        ],
    ),
    "maple": (
        "Appraisal, 48 Maple Avenue",
        "appraisal_report",
        [
            (
                3,
                None,
                (
                    "The subject is a three-bedroom colonial built in 1962 on a quarter acre lot. The final "
                    "opinion of market value is 385,000 USD as of March 4."
                ),
            ),
        ],
    ),
    "hardship": (
        "Borrower hardship letter",
        "client_document",
        [
            (
                1,
                None,
                (
                    "The borrower explains that a job loss last spring caused two missed mortgage payments, "
                    "which have since been repaid in full."
                ),
            ),
        ],
    ),
    "retention": (
        "Data retention",
        "internal",
        [
            (
                None,
                None,
                (
                    "Appraisal workfiles are retained for five years after delivery, or two years after the "
                    "final disposition of any legal proceeding, whichever is longer."
                ),
            ),
        ],
    ),
    "panel": (
        "Appraiser panel agreement",
        "contract",
        [
            (
                1,
                None,
                (
                    "Panel appraisers carry errors and omissions insurance of at least one million dollars "
                    "and keep their state license active."
                ),
            ),
        ],
    ),
    "revision": (
        "Reconsideration of value",
        "sop",
        [
            (
                None,
                None,
                (
                    "When a lender asks for a reconsideration of value, the appraiser reviews the additional "
                    "comparables supplied and responds within 48 hours."
                ),
            ),
        ],
    ),
    "holidays": (
        "Holiday schedule",
        "internal",
        [
            (
                None,
                None,
                (
                    "The office is closed on New Year's Day, Independence Day, Thanksgiving and Christmas. "
                    "Orders received on those days are logged the next business day."
                ),
            ),
        ],
    ),
    "commercial": (
        "Commercial bid",
        "bid_template",
        [
            (
                None,
                None,
                (
                    "Commercial assignments such as retail centers and warehouses start at 3,500 USD; the "
                    "income approach and a rent roll analysis are included."
                ),
            ),
        ],
    ),
    "wifi": (
        "Office wifi",
        "other",
        [
            (
                None,
                None,
                (
                    "The guest wireless network is called OmniGuest; its password rotates every Monday and is"
                    " posted at reception."
                ),
            ),
        ],
    ),
    "complaints": (
        "Client complaint handling",
        "sop",
        [
            (
                None,
                None,
                (
                    "Complaints are acknowledged within one business day. The manager investigates, documents"
                    " the outcome and replies to the client in writing."
                ),
            ),
        ],
    ),
}

QUERIES: list[tuple[str, str]] = [
    ("rush orders assigned", "rush"),
    ("terminate with thirty days notice", "letter"),
    ("invoice 2024-117 amount due", "invoice"),
    ("errors and omissions insurance", "panel"),
    ("workfiles retained five years", "retention"),
    ("reconsideration of value", "revision"),
    ("mileage log expense report", "mileage"),
    ("guest wireless password", "wifi"),
    # exact names and numbers among near-twins: what full text is for
    ("OmniGuest network", "wifi"),
    ("Acme Lending engagement letter", "letter"),
    ("1962 colonial", "maple"),
    ("reimbursed 0.67 per mile", "mileage"),
    # paraphrases: no content word shared with the relevant document
    ("what do we charge to value a house", "bid"),
    ("someone else double-checks the work before it goes out", "qc"),
    ("what to do when a customer is unhappy", "complaints"),
    ("staying safe when visiting an empty house", "safety"),
    ("which days is the company shut", "holidays"),
    ("price for a warehouse valuation", "commercial"),
    ("how much is the colonial home worth", "maple"),
    ("why did the homeowner fall behind on the loan", "hardship"),
]


def distractors(n: int = 40) -> dict[str, Doc]:
    """``n`` one-passage "order note" documents in the same vocabulary (none relevant), and a
    near-twin of the invoice (another number, street and amount)."""
    notes: dict[str, Doc] = {
        f"note{i}": (f"Order note {i}", "other", [(None, None, t)]) for i, t in enumerate(passages(n, seed=7))
    }
    twin = (
        "Invoice 2024-118 for appraisal services at 14 Elm Street. Amount due 610 USD, payable within "
        "30 days. Late payments incur a 1.5% monthly charge."
    )
    return {**notes, "invoice-twin": ("Invoice 2024-118", "invoice", [(1, None, twin)])}


def seed(tenant: str, docs: dict[str, Doc]) -> dict[str, str]:
    """Completed documents with embedded chunks for ``tenant``; ``{key: document id}``."""
    with owner_transaction() as s:
        ensure_tenant(s, tenant)
        s.commit()
    ids = {}
    with tenant_transaction(get_engine(), tenant) as s:
        for key, (title, category, pages) in docs.items():
            body = "\n".join(t for _, _, t in pages).encode()
            doc, _ = repo.create_document(
                s, tenant, Document(
                    tenant_id=tenant, title=title, category=category, source_type="generated",
                    mime_type="text/plain", size_bytes=len(body), sha256=hashlib.sha256(body).hexdigest(),
                ),
            )  # fmt: skip
            vectors = embedder().embed([t for _, _, t in pages])
            chunks = [
                repo.NewChunk(text=t, page=p, section=sec, embedding=pack(v), embedding_model=MODEL)
                for (p, sec, t), v in zip(pages, vectors, strict=True)
            ]
            pages_n = max((p or 0 for p, _, _ in pages), default=0) or None
            repo.replace_chunks(s, tenant, doc.id, chunks, page_count=pages_n)
            ids[key] = doc.id
    return ids
