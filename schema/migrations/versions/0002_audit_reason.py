"""audit reason: why the deterministic or AI mode acted

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("autonomous_operations_audit", sa.Column("reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("autonomous_operations_audit", "reason")
