"""Mailbox connections and the messages ingested from them (issue 13; seed 004 P0.2, P0.7.1): one
IMAP mailbox of a tenant with its sync checkpoint and status, and ``inbound_messages``. Secrets
(password, or OAuth client secret and refresh token) are in Vault at ``vault_path``; no row holds one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from schema.tables import _ts, new_id, tenant_unique

STATUSES = ("connected", "token_expired", "revoked", "auth_failed", "not_configured")
"""Connection status, set on every sync (seed 004 P0.7.1)."""


class MailboxConnection(SQLModel, table=True):
    """``tls``: ``ssl`` (implicit TLS, 993), ``starttls`` or ``none`` (plaintext, only for an
    operator-allowlisted origin such as the local stack). ``auth_kind``: ``password`` (an app
    password) or ``xoauth2`` (Gmail / Microsoft 365; ``token_url`` is the OAuth token endpoint).
    The checkpoint is (``uidvalidity``, ``last_uid``): every message of the folder with a UID up
    to ``last_uid`` under that UIDVALIDITY is stored."""

    __tablename__ = "mailbox_connections"
    __table_args__ = (
        tenant_unique("mailbox_connections"),
        UniqueConstraint("tenant_id", "host", "port", "username", "folder", name="uq_mailbox_connection"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    host: str = Field(max_length=253)
    port: int
    tls: str = Field(max_length=10)
    username: str = Field(max_length=320)
    folder: str = Field(default="INBOX", max_length=200)
    auth_kind: str = Field(max_length=10)
    token_url: str | None = Field(default=None, max_length=500)
    vault_path: str = Field(max_length=300)
    fingerprint: str = Field(max_length=32)
    """Keyed fingerprint of the secret (``core.vault.fingerprint``), never the secret."""
    status: str = Field(default="not_configured", max_length=20)
    status_reason: str | None = Field(default=None, max_length=300)
    uidvalidity: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    last_uid: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    last_sync_at: datetime | None = _ts()
    auth_failures: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    """Consecutive syncs refused at login (migration 0020); a successful sync resets it."""
    created_by: str | None = Field(default=None, max_length=200)
    created_at: datetime = _ts(nullable=False, default=True)


class InboundMessage(SQLModel, table=True):
    """An ingested inbound email (seed 004 P0.2). ``kind``: reply, bounce, opt_out, other.

    Deduped on (tenant, message_id) (seed 004 P0.6 "message-id checkpointing"). React processes
    the unprocessed ones each hour.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("tenant_id", "message_id", name="uq_inbound_tenant_message"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=63)
    """Indexed by ``uq_inbound_tenant_message``'s prefix (migration 0029)."""
    message_id: str = Field(max_length=300)
    from_email: str = Field(max_length=320)
    subject: str = Field(default="", max_length=500)
    body: str = ""
    kind: str = Field(default="reply", max_length=20)
    contact_id: str | None = Field(default=None, max_length=64)
    related: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    """For bounces: {"recipient": ...}; for order updates: {"order_id": ..., "status": ...}."""
    received_at: datetime = _ts(nullable=False, default=True)
    processed_at: datetime | None = _ts()
    # ingestion (issue 13, migration 0015): mailbox, raw blob, threading headers, outcome
    connection_id: str | None = Field(default=None, max_length=64)
    uid: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    raw_blob_key: str | None = Field(default=None, max_length=300)
    content_hash: str | None = Field(default=None, max_length=64)
    status: str = Field(default="ingested", max_length=20)
    """received (captured, not yet parsed) | ingested | failed (``status_reason`` says why:
    malformed MIME, over the size limit)."""
    status_reason: str | None = Field(default=None, max_length=300)
    in_reply_to: str | None = Field(default=None, max_length=300)
    reference_ids: list[str] | None = Field(default=None, sa_column=Column(JSONB))
    """The References header's Message-IDs, oldest first."""
    to_emails: list[str] | None = Field(default=None, sa_column=Column(JSONB))
    headers: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    attachments_count: int = 0
    attachments_pending: bool = False
    """Attachments not yet handed to the documents library (done after the batch commits)."""
    sent_at: datetime | None = _ts()
    size_bytes: int | None = None
    routed_at: datetime | None = _ts()
    """When the message was understood and routed (migration 0016); React waits for it."""
    parsed: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    """What the sync's one MIME parse found beyond the columns (migration 0023): ``from_name``,
    ``recipients``, ``bounce``; routing rebuilds the parsed mail from it
    (``activities.inbox.rows.parsed_of``). None for rows ingested before, and failed rows."""
    claimed_by: str | None = Field(default=None, max_length=200)
    """The understanding activity holding the row (migration 0027): ``{run id}/{activity id}``,
    the same across that activity's retries, so a retry takes its own page back at once."""
    claimed_until: datetime | None = _ts()
    """Until when that claim holds (the database's clock; ``inbox.claim_lease_s`` after the
    claim): a crashed understander's rows are claimable again after it."""
