"""From fetched bytes to ``inbound_messages`` column values (issue 13 Build 2): pure, no I/O.

Dedupe key: the Message-ID read from the fetched ``Message-ID:`` header (capture parses no MIME), else
``<sha256-{content hash}@omniops.invalid>`` where the hash is the sha256 of the raw bytes (of the
header block and size for an oversized message, whose body is never fetched). The row id is
``stable_id(tenant, message_id)``, so attachments handed on before a crash keep their source ref.

Two stages (issue 13 Build 2): :func:`captured_row` is what the sync inserts (``received``: ids,
hash, raw key, checkpointed); :func:`fill_understood` is the one parse, later, filling the columns and
in ``parsed`` what has no column (sender name, recipient addr-specs, bounce facts).
:func:`parsed_of` rebuilds the parsed mail of a row understood earlier (no second parse).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from activities.inbox.mime import MalformedMail, ParsedMail, parse
from schema.inbox import InboundMessage
from schema.tables import stable_id, utcnow
from workflows.mail_models import BounceInfo

_ID = re.compile(rb"<[^<>\s]{1,296}>")
MAX_BODY_CHARS = 1_000_000
"""Characters of text body kept on the row (the raw message is in the object store)."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def header_message_id(header: bytes) -> str | None:
    """The first ``<id>`` token of a fetched ``Message-ID:`` header, or None."""
    m = _ID.search(header)
    return m.group(0).decode("ascii", "replace") if m else None


def clean(text: str) -> str:
    """Text Postgres can store: lone surrogates (undecodable header bytes) become U+FFFD, NULs go."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def _utc(d: datetime | None) -> datetime | None:
    return d.replace(tzinfo=UTC) if d is not None and d.tzinfo is None else d


def _base(
    tenant_id: str, connection_id: str, uid: int, size: int, content_hash: str, mid: str | None
) -> dict[str, Any]:
    message_id = mid if mid and len(mid) <= 300 else f"<sha256-{content_hash}@omniops.invalid>"
    return {
        "id": stable_id(tenant_id, message_id),
        "tenant_id": tenant_id,
        "message_id": message_id,
        "from_email": "",
        "subject": "",
        "body": "",
        "kind": "other",
        "received_at": utcnow(),
        "connection_id": connection_id,
        "uid": uid,
        "raw_blob_key": None,
        "content_hash": content_hash,
        "status": "ingested",
        "status_reason": None,
        "in_reply_to": None,
        "reference_ids": None,
        "to_emails": None,
        "headers": None,
        "attachments_count": 0,
        "attachments_pending": False,
        "sent_at": None,
        "size_bytes": size,
        "parsed": None,
    }


def oversized_row(
    tenant_id: str, connection_id: str, uid: int, size: int, limit: int, header: bytes, mid_header: bytes
) -> dict[str, Any]:
    """A ``failed`` row for a message over ``limit`` bytes (its body is not fetched or stored)."""
    h = sha256(header + str(size).encode())
    row = _base(tenant_id, connection_id, uid, size, h, header_message_id(mid_header))
    row.update(status="failed", status_reason=f"message of {size} bytes is over the {limit}-byte limit")
    return row


def captured_row(
    tenant_id: str, connection_id: str, uid: int, raw: bytes, content_hash: str, key: str, mid_header: bytes
) -> dict[str, Any]:
    """The capture stage's row of a fetched message: status ``received``, its Message-ID from the
    fetched ``Message-ID:`` header (no MIME parse), the sealed raw message's key. The
    understanding stage (:func:`fill_understood`) fills the rest."""
    row = _base(tenant_id, connection_id, uid, len(raw), content_hash, header_message_id(mid_header))
    row.update(raw_blob_key=key, status="received")
    return row


def fill_understood(row: InboundMessage, raw: bytes) -> ParsedMail | None:
    """Parse ``raw`` (the one MIME parse) and fill ``row``'s columns from it (status ``ingested``,
    attachments pending for the documents hand-off); a malformed message sets ``row`` ``failed``
    with the parser's reason and gives None. The Message-ID (the dedupe key) is the capture's."""
    try:
        p = parse(raw)
    except MalformedMail as e:
        row.status, row.status_reason = "failed", str(e)[:300]
        return None
    row.status = "ingested"
    row.from_email = clean(p.from_email)[:320]
    row.subject = clean(p.subject)[:500]
    row.body = clean(p.text[:MAX_BODY_CHARS])
    row.in_reply_to = clean(p.in_reply_to)[:300] if p.in_reply_to else None
    row.reference_ids = [clean(r) for r in p.references]
    row.to_emails = [clean(a)[:320] for a in [*p.to, *p.cc]]
    row.headers = {clean(k): clean(v) for k, v in p.headers.items()}
    row.attachments_count = len(p.attachments)
    row.attachments_pending = bool(p.attachments)
    row.sent_at = _utc(p.date)
    row.parsed = {
        "from_name": clean(p.from_name)[:320],
        "recipients": [clean(a)[:320] for a in p.recipients[:50]],
        "bounce": p.bounce.model_dump(mode="json") if p.bounce else None,
    }
    return p


def parsed_of(row: InboundMessage) -> ParsedMail | None:
    """The :class:`ParsedMail` the sync stored in ``row`` (columns and ``parsed``); None for a
    failed row or one ingested before ``parsed`` existed (migration 0023). ``attachments`` stay
    empty (their bytes are in the raw message; the documents hand-off reads them)."""
    extra = row.parsed
    if row.status != "ingested" or extra is None:
        return None
    headers = {str(k): str(v) for k, v in (row.headers or {}).items()}
    bounce = extra.get("bounce")
    return ParsedMail(
        message_id=row.message_id,
        from_email=row.from_email,
        from_name=str(extra.get("from_name") or ""),
        to=list(row.to_emails or []),
        cc=[],
        subject=row.subject,
        date=row.sent_at,
        in_reply_to=row.in_reply_to,
        references=list(row.reference_ids or []),
        text=row.body,
        auto_submitted=headers.get("auto-submitted"),
        headers=headers,
        recipients=tuple(str(a) for a in extra.get("recipients") or ()),
        bounce=BounceInfo.model_validate(bounce) if bounce else None,
    )
