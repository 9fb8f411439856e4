"""Messages of ``MailboxSync`` (issue 13 Build 2). No message content, address or secret enters
history: only ids, UIDs, counts and the connection status."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from core import queues


class MailboxSyncInput(BaseModel):
    """What the connection's schedule starts (and continue-as-new carries)."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    connection_id: str
    batch_size: int = 500
    batches_per_run: int = 20
    """Activities before continue-as-new."""
    batches_per_activity: int = 20
    """Batches one activity commits in one IMAP session (``inbox.batches_per_activity``)."""
    runs: int = 0
    """Earlier runs of this sync (continue-as-new count)."""
    understanders: int = 1
    """Understanding loops run beside the capture (rows are claimed, so more never collide on a
    row; their effects may, e.g. two pages discovering the same contact: keep 1 per workflow).
    0: capture only; the rows wait, ``received``, for a later sync's understanding."""
    understanding_queue: str = queues.INBOX
    """The task queue of the understanding activities (patch ``understand-on-inbox-queue``): the
    inbox worker's. A workflow test names its own, so a running inbox worker of the same server
    cannot take its stand-ins' tasks."""


class SyncBatchInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant_id: str
    connection_id: str
    batch_size: int
    max_batches: int = 1
    """Batches (each its own transaction) this activity works through in one IMAP session."""


class SyncBatchResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: str
    """The connection status this batch found: connected, auth_failed, token_expired, revoked,
    not_configured; or ``throttled`` (a provider quota or rate limit: the sync ends, the
    connection's status is unchanged, issue 13 Build 10)."""
    fetched: int = 0
    """Messages of the folder looked at (ingested, failed or already there)."""
    inserted: int = 0
    failed: int = 0
    """Of the inserted: stored ``failed`` (malformed MIME, over the size limit)."""
    last_uid: int = 0
    more: bool = False
    rescanned: bool = False
    """The folder's UIDVALIDITY changed: the checkpoint restarted from UID 0 (deduped by Message-ID)."""
    attachments: int = 0
    """Messages of this batch with attachments to hand to the documents library (histories from
    before the capture/understanding split; a capture now parses nothing and reports 0, and
    ``RouteResult.attachments`` counts them)."""


class AttachmentsInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant_id: str
    connection_id: str
    limit: int = 100


class AttachmentsResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    messages: int = 0
    documents: int = 0
    skipped: int = 0
    """Attachments the documents library does not take (type not allowed, too many)."""


class MailboxSyncResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: str
    fetched: int = 0
    inserted: int = 0
    failed: int = 0
    batches: int = 0
    rescanned: bool = False
    documents: int = 0


class RouteInput(BaseModel):
    """Route up to ``limit`` of a mailbox's unrouted messages (issue 13 Builds 3, 5)."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    connection_id: str
    limit: int = 100


class RouteResult(BaseModel):
    """``routed`` messages by resulting ``kinds``; ``more`` when the batch was full."""

    model_config = ConfigDict(frozen=True)

    routed: int = 0
    kinds: dict[str, int] = {}
    suppressed: int = 0
    feedback_answers: int = 0
    quote_replies: int = 0
    """Replies to our quote emails signalled to the quote's workflow (``replied``)."""
    more: bool = False
    failed: int = 0
    """Captured messages this understanding found malformed (stored ``failed`` with the reason)."""
    attachments: int = 0
    """Routed messages with attachments still to hand to the documents library."""
