"""one-click unsubscribe tokens (hashed), one per tenant and recipient

Revision ID: 0012
Revises: 0011

Issue 13 item 6 (RFC 8058, seed 004 P0.7.2): ``unsubscribe_tokens`` keeps the SHA-256 of each
recipient's token (never the token), unique across tenants so the public route finds the tenant by
it, with row-level security (:mod:`schema.rls`): the route reads it with a platform read.
"""

import sqlalchemy as sa
from alembic import op

from schema.rls import enable_tenant_rls

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "unsubscribe_tokens",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
        sa.Column("used_at", TS, nullable=True),
        sa.UniqueConstraint("tenant_id", "email", name="uq_unsubscribe_tenant_email"),
    )
    enable_tenant_rls(op, "unsubscribe_tokens")


def downgrade() -> None:
    op.drop_table("unsubscribe_tokens")
