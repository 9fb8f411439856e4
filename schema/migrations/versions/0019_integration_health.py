"""integration health, rotation and notifications

Revision ID: 0019
Revises: 0018

Issue 15 Builds 4, 5, 7: ``webhook_endpoints`` (outbound Standard Webhooks receivers; secrets in
Vault), ``integration_status`` (one row per stored integration credential: health, the Vault
versions a rotation switches between, the credential still to revoke), ``integration_events``
(the audit trail of each check and rotation step) and ``integration_settings`` (per-tenant
rotation period and notification address). Every table has row-level security.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from schema.rls import enable_tenant_rls

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
JSONB = postgresql.JSONB(astext_type=sa.Text())


def _tenant() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), nullable=False, index=True)


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(64), primary_key=True),
        _tenant(),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("events", JSONB, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("disabled_reason", sa.String(300), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_delivery_at", TS, nullable=True),
        sa.Column("created_by", sa.String(200), nullable=True),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "integration_status",
        sa.Column("id", sa.String(64), primary_key=True),
        _tenant(),
        sa.Column("service", sa.String(50), nullable=False),
        sa.Column("credential_type", sa.String(50), nullable=False),
        sa.Column("admin_credential", sa.String(50), nullable=False),
        sa.Column("site_url", sa.String(2000), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("detail", sa.String(500), nullable=True),
        sa.Column("credential_name", sa.String(200), nullable=True),
        sa.Column("current_version", sa.Integer(), nullable=True),
        sa.Column("previous_version", sa.Integer(), nullable=True),
        sa.Column("pending_revoke", sa.String(200), nullable=True),
        sa.Column("rotation_run", sa.String(300), nullable=True),
        sa.Column("last_checked_at", TS, nullable=True),
        sa.Column("last_ok_at", TS, nullable=True),
        sa.Column("last_rotated_at", TS, nullable=True),
        sa.Column("updated_at", TS, server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("tenant_id", "service", "credential_type", name="uq_integration_status"),
    )
    op.create_table(
        "integration_events",
        sa.Column("id", sa.String(64), primary_key=True),
        _tenant(),
        sa.Column("service", sa.String(50), nullable=False),
        sa.Column("credential_type", sa.String(50), nullable=False),
        sa.Column("run", sa.String(300), nullable=False),
        sa.Column("step", sa.String(50), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.String(500), nullable=True),
        sa.Column("data", JSONB, nullable=True),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "integration_settings",
        sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("rotation_days", sa.Integer(), nullable=True),
        sa.Column("notify_email", sa.String(320), nullable=True),
        sa.Column("updated_at", TS, server_default=sa.func.now(), nullable=False),
    )
    for table in ("webhook_endpoints", "integration_status", "integration_events", "integration_settings"):
        enable_tenant_rls(op, table)


def downgrade() -> None:
    for table in ("integration_settings", "integration_events", "integration_status", "webhook_endpoints"):
        op.drop_table(table)
