"""The understanding stage's parse of a page of rows (issue 13 Build 2), on a worker thread.

A captured (``received``) row's raw message is read from the object store (one keyring read per
page) and parsed, the one MIME parse: :func:`activities.inbox.rows.fill_understood` fills the row
(``ingested``) or marks it ``failed`` with the reason. A row understood earlier is rebuilt from its
columns (:func:`activities.inbox.rows.parsed_of`); one from before migration 0023 is parsed.
"""

from __future__ import annotations

from activities.inbox.mime import MalformedMail, ParsedMail, parse
from activities.inbox.rows import fill_understood, parsed_of
from core.mail_store import MailBlobs
from schema.business import InboundMessage


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
