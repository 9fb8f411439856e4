"""The understanding stage's first transaction (issue 13 Build 2; seed 004 P0.6), on a worker
thread: a page of a mailbox's rows claimed for a lease, parsed and threaded, then committed, so
the understanding that follows (the LLM call, the follow-up signals) holds no transaction.

A captured (``received``) row's raw message is read from the object store (one keyring read per
page) and parsed, the one MIME parse: :func:`activities.inbox.rows.fill_understood` fills the row
(``ingested``) or marks it ``failed`` with the reason; the commit keeps that. A row understood
earlier is rebuilt from its columns (:func:`activities.inbox.rows.parsed_of`); one from before
migration 0023 is parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from activities.inbox.mime import MalformedMail, ParsedMail, parse
from activities.inbox.rows import fill_understood, parsed_of
from activities.operations import permanent_db_errors
from core.mail_store import MailBlobs
from schema.business import InboundMessage
from schema.db import tenant_transaction
from schema.repositories import inbound_routing
from workflows.inbox.messages import RouteInput
from workflows.inbox.threading import Thread, referenced_ids, thread_of


@dataclass(frozen=True)
class ClaimedPage:
    """A claimed page: its rows (detached, readable), the ids that were ``received`` before the
    parse, each row's parsed mail and the email of ours it answers (when threading found one)."""

    rows: list[InboundMessage] = field(default_factory=list)
    received: frozenset[str] = frozenset()
    parsed: dict[str, ParsedMail] = field(default_factory=dict)
    threads: dict[str, Thread] = field(default_factory=dict)


def claim_page(
    engine: Engine, blobs: MailBlobs, inp: RouteInput, claimant: str, lease_s: float
) -> ClaimedPage:
    """Claim up to ``inp.limit`` unrouted rows for ``claimant`` (``lease_s`` seconds,
    :func:`inbound_routing.claim_unrouted`), parse and thread them, and commit: one short
    transaction. Raises what the database and the object store raise (integrity errors: for good)."""
    with tenant_transaction(engine, inp.tenant_id) as s, permanent_db_errors():
        rows = inbound_routing.claim_unrouted(
            s, inp.tenant_id, inp.connection_id, inp.limit, claimant, lease_s
        )
        received = frozenset(r.id for r in rows if r.status == "received")
        parsed = parse_page(blobs, inp.tenant_id, rows)
        page = ClaimedPage(rows, received, parsed, threads(s, inp.tenant_id, rows))
        s.flush()  # the parse's columns (rows.fill_understood), inside the error translation
        return page


def threads(s: Session, tenant_id: str, rows: list[InboundMessage]) -> dict[str, Thread]:
    """Each row that answers an email of ours: what it answers (one query for the page)."""
    referenced = {r.id: referenced_ids(r.in_reply_to, r.reference_ids) for r in rows}
    keys = inbound_routing.thread_keys(s, tenant_id, referenced)
    return {row_id: thread_of(tenant_id, key) for row_id, key in keys.items()}


def parse_page(blobs: MailBlobs, tenant_id: str, rows: list[InboundMessage]) -> dict[str, ParsedMail]:
    """Each row's parsed mail: a captured (``received``) row's raw message parsed now, the
    one parse (:func:`rows.fill_understood` fills the row, or marks it ``failed``); a row
    understood earlier rebuilt from its columns; a row from before migration 0023 parsed."""
    keys = [r.raw_blob_key for r in rows if r.raw_blob_key and (r.status == "received" or not r.parsed)]
    raws = blobs.get_all(tenant_id, keys) if keys else {}
    out: dict[str, ParsedMail] = {}
    for row in rows:
        raw = raws.get(row.raw_blob_key or "")
        if row.status == "received":
            p = fill_understood(row, raw) if raw is not None else None
            if raw is None:
                row.status, row.status_reason = "failed", "the raw message is missing from the store"
        else:
            p = parsed_of(row)
            if p is None and row.status == "ingested" and raw is not None:
                try:
                    p = parse(raw)
                except MalformedMail:
                    p = None
        if p is not None:
            out[row.id] = p
    return out
