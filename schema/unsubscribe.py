"""One-click unsubscribe tokens (RFC 8058; issue 13 item 6, seed 004 P0.7.2): one row per
(tenant, recipient address), holding only the token's SHA-256 (core/unsubscribe.py derives the
token itself under the tenant's key in Vault). The public route ``POST /u/{token}`` finds the
tenant and address by the hash with a platform read, then suppresses in the tenant's scope."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from schema.tables import _ts, new_id


class UnsubscribeToken(SQLModel, table=True):
    """``email`` lower-cased; ``token_hash`` 64 hex digits, unique across tenants;
    ``used_at``: the last one-click or mailto unsubscribe with it (None: never used)."""

    __tablename__ = "unsubscribe_tokens"
    __table_args__ = (UniqueConstraint("tenant_id", "email", name="uq_unsubscribe_tenant_email"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    email: str = Field(max_length=320)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = _ts(nullable=False, default=True)
    used_at: datetime | None = _ts()
