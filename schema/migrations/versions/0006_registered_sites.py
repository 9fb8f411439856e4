"""registered sites: credential origin, operator site allowlist, persisted confirmations, blocked
requests per audited step

Revision ID: 0006
Revises: 0005

Issue 10: a credential is pinned to the origin it was registered for
(``autonomous_credentials.origin``, backfilled from ``site_url`` by the WHATWG parser), an
operator may allowlist an http or local origin for one tenant (``site_allowlist``), a step
confirmation is a record before it is a signal (``operation_confirmations``), and each audited
step counts the requests the egress layer refused (``blocked_requests``).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from core.targets import TargetRefused, parse_origin

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("autonomous_credentials", sa.Column("origin", sa.String(length=300), nullable=True))
    op.create_index("ix_autonomous_credentials_origin", "autonomous_credentials", ["origin"])
    conn = op.get_bind()
    for row_id, site_url in conn.execute(
        sa.text("SELECT id, site_url FROM autonomous_credentials WHERE site_url IS NOT NULL")
    ):
        try:
            origin = str(parse_origin(site_url))
        except TargetRefused:
            continue  # stays unregistered: operations refuse it until it is stored again
        conn.execute(
            sa.text("UPDATE autonomous_credentials SET origin = :o WHERE id = :i"), {"o": origin, "i": row_id}
        )
    op.add_column(
        "autonomous_operations_audit",
        sa.Column("blocked_requests", sa.Integer(), server_default="0", nullable=False),
    )
    op.create_table(
        "site_allowlist",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("added_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "origin", name="uq_site_allowlist_tenant_origin"),
    )
    op.create_index(op.f("ix_site_allowlist_tenant_id"), "site_allowlist", ["tenant_id"])
    op.create_table(
        "operation_confirmations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("operation_id", sa.Uuid(), nullable=False),
        sa.Column("step_number", sa.Integer(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.ForeignKeyConstraint(["operation_id"], ["autonomous_operations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_operation_confirmations_tenant_id"), "operation_confirmations", ["tenant_id"])
    op.create_index(
        op.f("ix_operation_confirmations_operation_id"), "operation_confirmations", ["operation_id"]
    )


def downgrade() -> None:
    op.drop_table("operation_confirmations")
    op.drop_table("site_allowlist")
    op.drop_column("autonomous_operations_audit", "blocked_requests")
    op.drop_index("ix_autonomous_credentials_origin", table_name="autonomous_credentials")
    op.drop_column("autonomous_credentials", "origin")
