"""mailbox sync: mailbox_connections; inbound_messages gains ingestion columns

Revision ID: 0015
Revises: 0014

Issue 13 Builds 1-2 (seed 004 P0.2, P0.6, P0.7.1): ``mailbox_connections`` (host, TLS mode,
auth kind, the Vault path of its secret, status and the UID checkpoint) with row-level security;
``inbound_messages`` keeps its columns and their meaning and gains the mailbox, UID, raw blob key,
content hash, ingestion status and reason, threading headers, recipients, raw headers and
attachment counts. Existing rows (demo data, tests) read as ``ingested`` with no mailbox.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from schema.rls import enable_tenant_rls

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
JSONB = postgresql.JSONB(astext_type=sa.Text())


def upgrade() -> None:
    op.create_table(
        "mailbox_connections",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("host", sa.String(253), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("tls", sa.String(10), nullable=False),
        sa.Column("username", sa.String(320), nullable=False),
        sa.Column("folder", sa.String(200), nullable=False),
        sa.Column("auth_kind", sa.String(10), nullable=False),
        sa.Column("token_url", sa.String(500), nullable=True),
        sa.Column("vault_path", sa.String(300), nullable=False),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_reason", sa.String(300), nullable=True),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("last_uid", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_sync_at", TS, nullable=True),
        sa.Column("created_by", sa.String(200), nullable=True),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("tenant_id", "id", name="uq_mailbox_connections_tenant_id"),
        sa.UniqueConstraint("tenant_id", "host", "port", "username", "folder", name="uq_mailbox_connection"),
    )
    enable_tenant_rls(op, "mailbox_connections")
    add = op.add_column
    add("inbound_messages", sa.Column("connection_id", sa.String(64), nullable=True))
    add("inbound_messages", sa.Column("uid", sa.BigInteger(), nullable=True))
    add("inbound_messages", sa.Column("raw_blob_key", sa.String(300), nullable=True))
    add("inbound_messages", sa.Column("content_hash", sa.String(64), nullable=True))
    add("inbound_messages", sa.Column("status", sa.String(20), server_default="ingested", nullable=False))
    add("inbound_messages", sa.Column("status_reason", sa.String(300), nullable=True))
    add("inbound_messages", sa.Column("in_reply_to", sa.String(300), nullable=True))
    add("inbound_messages", sa.Column("reference_ids", JSONB, nullable=True))
    add("inbound_messages", sa.Column("to_emails", JSONB, nullable=True))
    add("inbound_messages", sa.Column("headers", JSONB, nullable=True))
    add("inbound_messages", sa.Column("attachments_count", sa.Integer(), server_default="0", nullable=False))
    add(
        "inbound_messages",
        sa.Column("attachments_pending", sa.Boolean(), server_default="false", nullable=False),
    )
    add("inbound_messages", sa.Column("sent_at", TS, nullable=True))
    add("inbound_messages", sa.Column("size_bytes", sa.BigInteger(), nullable=True))
    # a mailbox's messages by UID (the sync's pending-attachments scan); the connection is the tenant's
    op.create_index("ix_inbound_messages_connection_uid", "inbound_messages", ["connection_id", "uid"])
    op.create_foreign_key(
        "inbound_messages_tenant_connection_id_fkey",
        "inbound_messages",
        "mailbox_connections",
        ["tenant_id", "connection_id"],
        ["tenant_id", "id"],
        ondelete="SET NULL (connection_id)",
    )


def downgrade() -> None:
    op.drop_constraint("inbound_messages_tenant_connection_id_fkey", "inbound_messages", type_="foreignkey")
    op.drop_index("ix_inbound_messages_connection_uid", table_name="inbound_messages")
    for col in (
        "connection_id", "uid", "raw_blob_key", "content_hash", "status", "status_reason", "in_reply_to",
        "reference_ids", "to_emails", "headers", "attachments_count", "attachments_pending", "sent_at",
        "size_bytes",
    ):  # fmt: skip
        op.drop_column("inbound_messages", col)
    op.drop_table("mailbox_connections")
