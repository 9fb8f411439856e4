"""operation reads: the tenant's history, newest first, from one index

Revision ID: 0023
Revises: 0017

Issue 17 (API reads). ``GET /api/autonomous/history`` lists the tenant's ``autonomous_operations``
rows newest first with keyset paging (``created_at``, ``id``), instead of a Temporal visibility
query; this index serves the filter, the order and the page mark together.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_autonomous_operations_tenant_created",
        "autonomous_operations",
        ["tenant_id", sa.text("created_at DESC"), sa.text("id DESC")],
    )


def downgrade() -> None:
    op.drop_index("ix_autonomous_operations_tenant_created", table_name="autonomous_operations")
