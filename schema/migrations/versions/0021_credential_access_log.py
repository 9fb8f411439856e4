"""credential access log: every read of a tenant credential by an activity

Revision ID: 0021
Revises: 0020

Issue 15 Build 8 (seed 000 §1, seed 004 P2.4 "who, when and what"). ``credential_access_log``
(schema/credential_access.py): tenant-scoped with RLS, append-only for the application role,
and every insert is a link of the tenant's audit hash chain (the ``omniops_audit_chain``
trigger of migration 0011).
"""

import sqlalchemy as sa
from alembic import op

from schema.db import app_role
from schema.rls import enable_tenant_rls

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

TABLE = "credential_access_log"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("vault_path", sa.String, nullable=False),
        sa.Column("purpose", sa.String(100), nullable=False),
        sa.Column("activity", sa.String(100), nullable=False),
        sa.Column("operation_id", sa.String(64), nullable=True),
        sa.Column("step_number", sa.Integer, nullable=True),
        sa.Column("workflow_id", sa.String(300), nullable=True),
        sa.Column("accessed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_credential_access_log_tenant_id", TABLE, ["tenant_id"])
    op.create_index("ix_credential_access_log_vault_path", TABLE, ["vault_path"])
    enable_tenant_rls(op, TABLE)
    op.execute(
        f"CREATE TRIGGER audit_chain AFTER INSERT ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION omniops_audit_chain()"
    )
    if role := app_role():
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {TABLE} FROM {role}")


def downgrade() -> None:
    op.execute(f"DROP TRIGGER IF EXISTS audit_chain ON {TABLE}")
    op.drop_table(TABLE)
