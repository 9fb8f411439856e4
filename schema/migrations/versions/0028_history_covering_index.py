"""history page from the index alone: the tenant/created index carries the history columns

Revision ID: 0028
Revises: 0027

Issue 17 (API reads, history p99). ``GET /api/autonomous/history`` reads
``schema.repositories.operation_reads.HISTORY_COLUMNS`` of the tenant's newest rows. With the
row-level security filter the planner under-estimated a tenant's rows and read them all (bitmap
heap scan, then a top-N sort: 0.88 ms at 235 rows per tenant, growing with the tenant's
history). This index holds those columns (``INCLUDE``), so the page is an index-only scan in
order that stops after ``limit`` entries (0.13 ms, EXPLAIN ANALYZE on the bench's data),
whatever the history's length. It replaces 0018's index of the same name and key.
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

NAME, TABLE = "ix_autonomous_operations_tenant_created", "autonomous_operations"
KEY = ["tenant_id", sa.text("created_at DESC"), sa.text("id DESC")]


def upgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)
    op.create_index(
        NAME,
        TABLE,
        KEY,
        postgresql_include=["workflow_id", "service", "operation", "status", "completed_at"],
    )


def downgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)
    op.create_index(NAME, TABLE, KEY)
