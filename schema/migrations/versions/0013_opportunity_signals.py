"""opportunity signals from inbound email, with row-level security

Revision ID: 0013
Revises: 0012

Issue 13 Build 8 (seed 004 P1.6): ``opportunity_signals``, one row per (tenant, inbound message,
kind), contact and account as tenant-bound foreign keys (:mod:`schema.signals`), RLS as every
tenant table (:mod:`schema.rls`).
"""

import sqlalchemy as sa
from alembic import op

from schema.rls import enable_tenant_rls

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "opportunity_signals",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("inbound_message_id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(64), nullable=True),
        sa.Column("account_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("strength", sa.Float(), nullable=False),
        sa.Column("evidence", sa.String(300), nullable=False),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
        sa.Column("acted_on_at", TS, nullable=True),
        sa.UniqueConstraint(
            "tenant_id", "inbound_message_id", "kind", name="uq_opportunity_signal_message_kind"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contact_id"],
            ["contacts.tenant_id", "contacts.id"],
            name="opportunity_signals_tenant_contact_id_fkey",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "account_id"],
            ["clients.tenant_id", "clients.id"],
            name="opportunity_signals_tenant_account_id_fkey",
        ),
    )
    op.create_index(
        "ix_opportunity_signals_tenant_created", "opportunity_signals", ["tenant_id", "created_at"]
    )
    enable_tenant_rls(op, "opportunity_signals")


def downgrade() -> None:
    op.drop_table("opportunity_signals")
