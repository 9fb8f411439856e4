"""contact enrichment: the contact fields a signature fills, where each value came from; mailbox auth failures

Revision ID: 0020
Revises: 0019

Issue 13 Build 7 (seed 004 P1.6). ``contacts`` gains ``company``, ``linkedin_url`` and
``address`` (``title`` and ``phone`` exist). ``contact_field_sources`` records every value a
signature offered for a contact field: the message it came from, the value, when, and whether it
was ``set`` (the field was empty), ``same`` (already the value) or ``conflict`` (a different value
was kept). One row per (tenant, contact, field, inbound message), RLS as every tenant table.

Issue 13 Build 10: ``mailbox_connections.auth_failures`` counts consecutive syncs refused at
login (reset by a successful one); enough of them raise an alert.
"""

import sqlalchemy as sa
from alembic import op

from schema.rls import enable_tenant_rls

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "mailbox_connections",
        sa.Column("auth_failures", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("contacts", sa.Column("company", sa.String(200), nullable=True))
    op.add_column("contacts", sa.Column("linkedin_url", sa.String(300), nullable=True))
    op.add_column("contacts", sa.Column("address", sa.String(300), nullable=True))
    op.create_table(
        "contact_field_sources",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("contact_id", sa.String(64), nullable=False),
        sa.Column("field", sa.String(20), nullable=False),
        sa.Column("value", sa.String(300), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("message_id", sa.String(300), nullable=False),
        sa.Column("inbound_message_id", sa.String(64), nullable=False),
        sa.Column("recorded_at", TS, server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint(
            "tenant_id", "contact_id", "field", "inbound_message_id", name="uq_contact_field_source"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "contact_id"],
            ["contacts.tenant_id", "contacts.id"],
            name="contact_field_sources_tenant_contact_id_fkey",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_contact_field_sources_contact", "contact_field_sources", ["tenant_id", "contact_id"])
    enable_tenant_rls(op, "contact_field_sources")


def downgrade() -> None:
    op.drop_column("mailbox_connections", "auth_failures")
    op.drop_table("contact_field_sources")
    op.drop_column("contacts", "address")
    op.drop_column("contacts", "linkedin_url")
    op.drop_column("contacts", "company")
