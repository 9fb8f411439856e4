"""Mailbox connections (issue 13 Build 1; seed 004 P0.2, P0.7.1): one IMAP mailbox of a tenant,
its sync checkpoint and its status. Secrets (password, or OAuth client secret and refresh token)
are in Vault at ``vault_path``; this row never holds one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, UniqueConstraint
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
    created_by: str | None = Field(default=None, max_length=200)
    created_at: datetime = _ts(nullable=False, default=True)
