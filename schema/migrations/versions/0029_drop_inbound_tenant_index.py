"""drop the inbound messages' tenant index: the unique (tenant_id, message_id) index serves it

Revision ID: 0029
Revises: 0028

Issue 13 (capture throughput). ``ix_inbound_messages_tenant_id`` (0003) indexes ``tenant_id``
alone, which ``uq_inbound_tenant_message`` (``tenant_id, message_id``) already leads with: every
read by tenant can use the unique index's prefix, and each captured message paid a fifth index
entry for nothing.
"""

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

NAME, TABLE = "ix_inbound_messages_tenant_id", "inbound_messages"


def upgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)


def downgrade() -> None:
    op.create_index(NAME, TABLE, ["tenant_id"])
