"""audit lifecycle: exports, erasures, retention policies, and tombstones that keep the chain whole

Revision ID: 0017
Revises: 0016

Issue 16 Builds 2-4. ``audit_exports``, ``audit_erasures``, ``retention_policies``: tenant tables
(RLS). ``audit_tombstones``: one row per audit row erased or expired (tenant, source table, row
id, reason), written only by ``omniops_audit_tombstone``; the application role may read it.

``omniops_audit_tombstone(src, ids, reason)`` (``SECURITY DEFINER``, the owner's rights; the
application role's only way to remove audit rows, which it may not delete, and to empty chain
entries, which it may not update): for the session's tenant (``omniops.tenant_id``; refused
without one) and one chained table, it deletes the rows, records a tombstone for each, and sets
``entry`` to NULL on every link of those rows (a deleted mutable row's own 'delete' link
included). ``entry_hash`` stays, so every link still recomputes and the signed digests still
verify; the verifier accepts a missing row only where a tombstone names it.
"""

import sqlalchemy as sa
from alembic import op

from schema.db import app_role
from schema.rls import enable_tenant_rls

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
CHAINED = (
    "autonomous_operations_audit",
    "operation_confirmations",
    "operator_audit",
    "autonomous_consent",
    "autonomous_credentials",
    "agent_policy_violations",
)

FUNCTION = r"""
CREATE FUNCTION omniops_audit_tombstone(src text, ids text[], why text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    t text := current_setting('omniops.tenant_id', true);
    n integer;
BEGIN
    IF t IS NULL OR t = '' THEN
        RAISE EXCEPTION 'omniops_audit_tombstone: no tenant in this transaction';
    END IF;
    IF NOT (src = ANY(ARRAY[:chained:])) THEN
        RAISE EXCEPTION 'omniops_audit_tombstone: not a chained table';
    END IF;
    EXECUTE 'DELETE FROM ' || quote_ident(src) || ' WHERE tenant_id = $1 AND id::text = ANY($2)' USING t, ids;
    INSERT INTO audit_tombstones (tenant_id, source, source_id, reason, at)
    SELECT t, src, i, left(why, 200), clock_timestamp() FROM unnest(ids) AS i
    ON CONFLICT DO NOTHING;
    UPDATE audit_chain SET entry = NULL
    WHERE tenant_id = t AND source = src AND source_id = ANY(ids) AND entry IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
"""


def upgrade() -> None:
    role = app_role()
    op.create_table(
        "audit_exports",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("subject_email", sa.String(320)),
        sa.Column("archive_format", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("progress", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total", sa.Integer),
        sa.Column("blob_key", sa.String(300)),
        sa.Column("sha256", sa.String(64)),
        sa.Column("size_bytes", sa.BigInteger),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("finished_at", TS),
    )
    op.create_table(
        "audit_erasures",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), nullable=False, index=True),
        sa.Column("subject_email", sa.String(320)),
        sa.Column("subject_hash", sa.String(64)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("certificate", sa.dialects.postgresql.JSONB),
        sa.Column("error", sa.Text),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("finished_at", TS),
    )
    op.create_table(
        "retention_policies",
        sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), primary_key=True),
        sa.Column("data_class", sa.String(40), primary_key=True),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "audit_tombstones",
        sa.Column("tenant_id", sa.String(63), primary_key=True),
        sa.Column("source", sa.String(63), primary_key=True),
        sa.Column("source_id", sa.String(64), primary_key=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    for table in ("audit_exports", "audit_erasures", "retention_policies", "audit_tombstones"):
        enable_tenant_rls(op, table)
    op.execute(FUNCTION.replace(":chained:", ", ".join(f"'{t}'" for t in CHAINED)))
    op.execute("REVOKE ALL ON FUNCTION omniops_audit_tombstone(text, text[], text) FROM PUBLIC")
    if role:
        op.execute(f"GRANT EXECUTE ON FUNCTION omniops_audit_tombstone(text, text[], text) TO {role}")
        op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_tombstones FROM {role}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS omniops_audit_tombstone(text, text[], text)")
    for table in ("audit_tombstones", "retention_policies", "audit_erasures", "audit_exports"):
        op.drop_table(table)
