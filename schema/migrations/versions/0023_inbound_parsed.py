"""inbound parsed facts: what the one MIME parse found beyond the row's columns

Revision ID: 0023
Revises: 0022

Issue 13 (Measure). ``inbound_messages.parsed`` (JSONB, nullable): the sender's display name, the
recipient addr-specs (To, Delivered-To, X-Original-To) and the RFC 3464 bounce facts, written by
the mailbox sync with the row, so routing rebuilds the typed parsed mail from the row instead of
decrypting and parsing the raw message again. NULL for rows ingested before (routing parses their
raw message, as it did). The table keeps its RLS (migration 0015).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inbound_messages", sa.Column("parsed", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("inbound_messages", "parsed")
