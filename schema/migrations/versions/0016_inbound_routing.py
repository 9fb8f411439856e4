"""inbound routing: when each ingested message was understood and routed

Revision ID: 0016
Revises: 0015

Issue 13 Builds 3 and 5. ``inbound_messages.routed_at``: set by ``route_messages`` once the
message is classified, linked and its effects applied (suppression, opt-out, signals, the
feedback workflow's ``respond``). The hourly React phase skips a mailbox message until then, so
it never acts on an unclassified one. A partial index finds a mailbox's unrouted messages.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inbound_messages", sa.Column("routed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_inbound_unrouted",
        "inbound_messages",
        ["tenant_id", "connection_id", "uid"],
        postgresql_where=sa.text("routed_at IS NULL AND connection_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_unrouted", table_name="inbound_messages")
    op.drop_column("inbound_messages", "routed_at")
