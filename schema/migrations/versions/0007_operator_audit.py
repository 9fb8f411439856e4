"""operator audit log

Revision ID: 0007
Revises: 0006

Issue 11: every platform operator action (a route called with a platform identity, a payload
decoded by the codec server) is one row of ``operator_audit``: who, what, which tenant.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operator_audit",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("action", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=True),
        sa.Column("detail", postgresql.JSONB(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_operator_audit_tenant_id", "operator_audit", ["tenant_id"])
    op.create_index("ix_operator_audit_at", "operator_audit", ["at"])


def downgrade() -> None:
    op.drop_table("operator_audit")
