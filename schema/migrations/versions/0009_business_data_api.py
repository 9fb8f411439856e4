"""business data API: record columns, imports, webhook deliveries, order documents, work queues

Revision ID: 0009
Revises: 0008

Issue 12. Records gain ``updated_at`` and ``archived_at`` (archive, never delete) and the fields
the API exposes; accounts and orders an ``external_id`` unique per tenant (imports and webhooks
are idempotent on it); contacts a unique (tenant, email), emails lower-cased first. New tenant
tables, each with row-level security (:mod:`schema.rls`): ``import_jobs``, ``import_rows``,
``webhook_deliveries``, ``order_documents``, ``work_item_comments``. Work items (tasks, cases,
order exceptions) gain who claimed and resolved them and why; alerts who acknowledged and resolved.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from schema.rls import enable_tenant_rls

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
NEW_TABLES = ("import_jobs", "import_rows", "webhook_deliveries", "order_documents", "work_item_comments")


def _stamps(table: str, created: bool = False) -> None:
    if created:
        op.add_column(table, sa.Column("created_at", TS, server_default=sa.func.now(), nullable=True))
    op.add_column(table, sa.Column("updated_at", TS, nullable=True))
    op.add_column(table, sa.Column("archived_at", TS, nullable=True))


def _work(table: str, resolved_at: bool) -> None:
    op.add_column(table, sa.Column("claimed_by", sa.String(200), nullable=True))
    op.add_column(table, sa.Column("claimed_at", TS, nullable=True))
    op.add_column(table, sa.Column("resolved_by", sa.String(200), nullable=True))
    op.add_column(table, sa.Column("resolution", sa.Text(), nullable=True))
    if resolved_at:
        op.add_column(table, sa.Column("resolved_at", TS, nullable=True))


def _records() -> None:
    _stamps("clients")
    op.add_column("clients", sa.Column("external_id", sa.String(200), nullable=True))
    op.add_column("clients", sa.Column("domain", sa.String(253), nullable=True))
    op.create_unique_constraint("uq_client_tenant_external", "clients", ["tenant_id", "external_id"])
    _stamps("contacts")
    op.add_column("contacts", sa.Column("phone", sa.String(50), nullable=True))
    op.execute("UPDATE contacts SET email = lower(email) WHERE email <> lower(email)")
    op.create_unique_constraint("uq_contact_tenant_email", "contacts", ["tenant_id", "email"])
    _stamps("products", created=True)
    op.add_column("products", sa.Column("description", sa.Text(), nullable=True))
    _stamps("orders")
    op.add_column("orders", sa.Column("external_id", sa.String(200), nullable=True))
    op.add_column("orders", sa.Column("source", sa.String(20), server_default="api", nullable=False))
    op.create_unique_constraint("uq_order_tenant_external", "orders", ["tenant_id", "external_id"])
    _stamps("goals", created=True)
    op.add_column("goals", sa.Column("name", sa.String(200), nullable=True))
    _stamps("deals")
    op.add_column("deals", sa.Column("expected_close_at", TS, nullable=True))
    _stamps("quotes")
    op.add_column("quotes", sa.Column("title", sa.String(200), nullable=True))
    op.add_column("quotes", sa.Column("line_items", postgresql.JSONB(), nullable=True))
    op.add_column("quotes", sa.Column("valid_until", TS, nullable=True))
    _stamps("campaigns", created=True)
    op.add_column("campaigns", sa.Column("audience", postgresql.JSONB(), nullable=True))
    op.add_column("campaigns", sa.Column("send_window_start_hour", sa.Integer(), nullable=True))
    op.add_column("campaigns", sa.Column("send_window_end_hour", sa.Integer(), nullable=True))


def _tables() -> None:
    tenant = sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), nullable=False, index=True)
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.String(64), primary_key=True),
        tenant.copy(),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("filename", sa.String(300), nullable=True),
        *[sa.Column(n, sa.Integer(), nullable=False) for n in ("total_rows", "processed", "created")],
        *[sa.Column(n, sa.Integer(), nullable=False) for n in ("updated", "unchanged", "rejected")],
        sa.Column("workflow_id", sa.String(200), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
        sa.Column("completed_at", TS, nullable=True),
        sa.UniqueConstraint("tenant_id", "id", name="uq_import_jobs_tenant_id"),
    )
    op.create_table(
        "import_rows",
        sa.Column("id", sa.String(64), primary_key=True),
        tenant.copy(),
        sa.Column("import_id", sa.String(64), nullable=False, index=True),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("record_id", sa.String(64), nullable=True),
        sa.UniqueConstraint("import_id", "row_no", name="uq_import_row"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "import_id"],
            ["import_jobs.tenant_id", "import_jobs.id"],
            name="import_rows_tenant_import_id_fkey",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(64), primary_key=True),
        tenant.copy(),
        sa.Column("webhook_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("received_at", TS, server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("tenant_id", "webhook_id", name="uq_webhook_delivery"),
    )
    op.create_table(
        "order_documents",
        sa.Column("id", sa.String(64), primary_key=True),
        tenant.copy(),
        sa.Column("order_id", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("filename", sa.String(300), nullable=True),
        sa.Column("mime_type", sa.String(100), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("received_at", TS, nullable=True),
        sa.Column("document_id", sa.String(64), nullable=True),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("tenant_id", "id", name="uq_order_documents_tenant_id"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "order_id"],
            ["orders.tenant_id", "orders.id"],
            name="order_documents_tenant_order_id_fkey",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "work_item_comments",
        sa.Column("id", sa.String(64), primary_key=True),
        tenant.copy(),
        sa.Column("item_kind", sa.String(20), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False, index=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
    )


def upgrade() -> None:
    _records()
    _tables()
    for table in NEW_TABLES:
        enable_tenant_rls(op, table)
    _work("agent_tasks", resolved_at=True)
    _work("cases", resolved_at=False)
    _work("order_processing_exceptions", resolved_at=False)
    op.add_column("order_processing_exceptions", sa.Column("outcome", sa.String(20), nullable=True))
    op.add_column("agent_alerts", sa.Column("acknowledged_at", TS, nullable=True))
    op.add_column("agent_alerts", sa.Column("acknowledged_by", sa.String(200), nullable=True))
    op.add_column("agent_alerts", sa.Column("resolved_by", sa.String(200), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("0009 is forward-only")
