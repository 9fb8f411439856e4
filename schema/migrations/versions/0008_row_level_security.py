"""row-level security: the database enforces tenant isolation

Revision ID: 0008
Revises: 0007

Issue 11, Build item 8. Runs as the owner role (``database.migration_url``); refuses to run when
the application role (the user of ``database.url``) is missing, is the owner, or may bypass RLS.

Tenant tables (``TENANT_TABLES``: every table with a ``tenant_id`` column but ``operator_audit``,
and ``tenants`` by ``id``): ROW LEVEL SECURITY enabled (not forced: the owner is not subject to it)
with two permissive policies:

- ``tenant_isolation`` (ALL commands, USING and WITH CHECK): ``tenant_id`` equals the
  transaction-local setting ``omniops.tenant_id``. No setting, or an empty one, matches no row: a
  session with no tenant sees 0 rows and inserts none; a row with another tenant's id is refused.
- ``platform_read`` (SELECT only): every row when ``omniops.platform_read`` is ``on``. Set only by
  ``schema.db.platform_transaction`` for reads across tenants: the cycle fan-out's enabled
  tenants, an operator's every-tenant runs and health, global metrics and alerts
  (``schema/metrics.py`` with ``tenant_id=None``). Insert, update and delete stay tenant-only.

Platform tables (no RLS), and why:

- ``system_config``: global settings by key (the global kill switch); no tenant owns a row.
- ``agent_alerts``: keyed by ``scope``, a tenant id or ``global``; raised by a tenant's Reflect
  and by an operator's global health check, read by operators and (filtered to the tenant's scope
  and ``global`` in ``schema/metrics.recent_alerts``) by a tenant's health route.
- ``operator_audit``: platform operators' actions across tenants (``tenant_id`` is the tenant
  acted on, or NULL); written for platform identities, read by operators. The application role
  may only INSERT and SELECT it: the log is append-only for the application.
- ``alembic_version``: the migration state; the application role gets nothing on it.

Composite foreign keys: every foreign key between tenant tables becomes
``(tenant_id, <ref>_id) -> parent(tenant_id, id)`` (parents gain ``UNIQUE (tenant_id, id)``), so a
row cannot reference another tenant's row even though referential checks bypass RLS.

Grants to the application role: SELECT, INSERT, UPDATE, DELETE on the tables (``operator_audit``:
SELECT, INSERT), USAGE on sequences, and the same by default on what the owner creates later.
"""

import sqlalchemy as sa
from alembic import op

from schema.db import app_role

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TENANT_TABLES = (
    "agent_autonomous_runs",
    "agent_deferred_actions",
    "agent_follow_up_owners",
    "agent_hourly_reflections",
    "agent_policy_violations",
    "agent_rate_limits",
    "agent_research_jobs",
    "agent_run_actions",
    "agent_tasks",
    "autonomous_consent",
    "autonomous_credentials",
    "autonomous_operations",
    "autonomous_operations_audit",
    "campaign_contact_status",
    "campaigns",
    "cases",
    "clients",
    "compliance_checks",
    "compliance_schedule",
    "contacts",
    "deal_stage_config",
    "deal_stage_history",
    "deals",
    "email_outbox",
    "email_provider_failures",
    "email_suppressions",
    "engagement_clocks",
    "feedback_requests",
    "goals",
    "inbound_messages",
    "operation_confirmations",
    "order_processing_exceptions",
    "order_processing_queue",
    "orders",
    "products",
    "quote_activities",
    "quotes",
    "site_allowlist",
)
FOREIGN_KEYS = (  # (child, column, parent, on delete)
    ("agent_run_actions", "run_id", "agent_autonomous_runs", None),
    ("agent_hourly_reflections", "run_id", "agent_autonomous_runs", None),
    ("autonomous_operations_audit", "operation_id", "autonomous_operations", "CASCADE"),
    ("operation_confirmations", "operation_id", "autonomous_operations", "CASCADE"),
    ("contacts", "client_id", "clients", None),
    ("orders", "client_id", "clients", None),
    ("deals", "client_id", "clients", None),
    ("deals", "contact_id", "contacts", None),
    ("quotes", "client_id", "clients", None),
    ("quotes", "contact_id", "contacts", None),
    ("engagement_clocks", "contact_id", "contacts", None),
    ("campaign_contact_status", "campaign_id", "campaigns", None),
    ("campaign_contact_status", "contact_id", "contacts", None),
    ("order_processing_queue", "order_id", "orders", None),
    ("order_processing_exceptions", "order_id", "orders", None),
    ("quote_activities", "quote_id", "quotes", None),
    ("deal_stage_history", "deal_id", "deals", None),
)
PARENTS = sorted({parent for _, _, parent, _ in FOREIGN_KEYS})
TENANT = "current_setting('omniops.tenant_id', true)"
PLATFORM_READ = "current_setting('omniops.platform_read', true) = 'on'"


def _checked_app_role() -> str:
    role = app_role()
    row = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT rolsuper OR rolbypassrls, rolname = current_user FROM pg_roles WHERE rolname = :r"
            ),
            {"r": role},
        )
        .first()
    )
    if row is None:
        raise RuntimeError(f"application role {role!r} does not exist: create it before migrating (README)")
    if row[0] or row[1]:
        raise RuntimeError(f"application role {role!r} is a superuser, may bypass RLS or owns the tables")
    return role


def _policies(table: str, column: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    cond = f"{column} = {TENANT}"
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({cond}) WITH CHECK ({cond})")
    op.execute(f"CREATE POLICY platform_read ON {table} FOR SELECT USING ({PLATFORM_READ})")


def _single_fk(table: str, column: str) -> str | None:
    for fk in sa.inspect(op.get_bind()).get_foreign_keys(table):
        if fk["constrained_columns"] == [column]:
            return str(fk["name"])
    return None


def upgrade() -> None:
    role = _checked_app_role()
    for parent in PARENTS:
        op.create_unique_constraint(f"uq_{parent}_tenant_id", parent, ["tenant_id", "id"])
    for child, column, parent, ondelete in FOREIGN_KEYS:
        old = _single_fk(child, column)
        if old:
            op.drop_constraint(old, child, type_="foreignkey")
        op.create_foreign_key(
            f"{child}_tenant_{column}_fkey",
            child,
            parent,
            ["tenant_id", column],
            ["tenant_id", "id"],
            ondelete=ondelete,
        )
    _policies("tenants", "id")
    for table in TENANT_TABLES:
        _policies(table, "tenant_id")
    dml = "SELECT, INSERT, UPDATE, DELETE"
    op.execute(f"GRANT {dml} ON ALL TABLES IN SCHEMA public TO {role}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {dml} ON TABLES TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO {role}")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON operator_audit FROM {role}")
    op.execute(f"REVOKE ALL ON alembic_version FROM {role}")


def downgrade() -> None:
    role = app_role()
    dml = "SELECT, INSERT, UPDATE, DELETE"
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE {dml} ON TABLES FROM {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE ON SEQUENCES FROM {role}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}")
    for table in ("tenants", *TENANT_TABLES):
        op.execute(f"DROP POLICY IF EXISTS platform_read ON {table}")
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for child, column, parent, ondelete in FOREIGN_KEYS:
        op.drop_constraint(f"{child}_tenant_{column}_fkey", child, type_="foreignkey")
        op.create_foreign_key(f"{child}_{column}_fkey", child, parent, [column], ["id"], ondelete=ondelete)
    for parent in PARENTS:
        op.drop_constraint(f"uq_{parent}_tenant_id", parent, type_="unique")
