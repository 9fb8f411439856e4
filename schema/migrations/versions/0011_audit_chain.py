"""audit chain: every audit row joins its tenant's hash chain, in the database, as it is written

Revision ID: 0011
Revises: 0010

Issue 16 Build 1 (seed 000 §2, seed 001 "audit"). ``audit_chain`` holds one link per audit
event, written only by the ``omniops_audit_chain`` trigger (``SECURITY DEFINER``, the owner's
rights): the application role may read links and nothing else, so no code path can skip, edit
or delete one. Chained tables and events:

- ``autonomous_operations_audit`` (operation steps), ``operation_confirmations`` and
  ``operator_audit``: INSERT (append-only for the application role: UPDATE and DELETE revoked);
- ``autonomous_consent`` (grants, revokes), ``autonomous_credentials`` (credential writes,
  rotations, removals) and ``agent_policy_violations`` (policy blocks, refreshed once per action,
  rule and hour): INSERT, UPDATE, DELETE, each a link.

A link: ``seq`` (1, 2, ... per tenant; platform rows of ``operator_audit`` chain under
``'_platform'``, which no tenant slug can be and which an unscoped session, whose tenant setting
reads ``''``, never matches),
``source``/``source_id``/``op``, ``entry`` (the row as ``to_jsonb``, in UTC), ``entry_hash`` =
sha256 of ``entry::text``, ``prev_hash`` (64 zeros for the first) and ``hash`` = sha256 of
``prev_hash|seq|source|op|source_id|entry_hash|at`` (``at`` as ``YYYY-MM-DDTHH:MI:SS.USZ``).
``entry`` may later be emptied (retention, erasure) and the chain still verifies on
``entry_hash``. The append takes a transaction-scoped advisory lock per tenant, so concurrent
writers queue and the chain never forks; the (tenant, seq) primary key is the backstop.

``audit_digests``: the hourly signed digest of each tenant's chain head (Vault Transit); a
platform table (hashes and signatures, no tenant data), insert and read only for the app role.
"""

import sqlalchemy as sa
from alembic import op

from schema.db import app_role
from schema.rls import enable_tenant_rls

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
APPEND_ONLY = ("autonomous_operations_audit", "operation_confirmations")
INSERT_ONLY = (*APPEND_ONLY, "operator_audit")
MUTABLE = ("autonomous_consent", "autonomous_credentials", "agent_policy_violations")

FUNCTION = r"""
CREATE FUNCTION omniops_audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp
SET "TimeZone" = 'UTC'
AS $$
DECLARE
    r record := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    e jsonb := to_jsonb(r);
    t text := coalesce(e ->> 'tenant_id', '_platform');
    sid text := e ->> 'id';
    eh text := encode(sha256(convert_to(e::text, 'UTF8')), 'hex');
    prev text;
    n bigint;
    ts timestamptz := clock_timestamp();
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('omniops.audit_chain:' || t, 0));
    SELECT seq, hash INTO n, prev FROM audit_chain WHERE tenant_id = t ORDER BY seq DESC LIMIT 1;
    IF n IS NULL THEN
        n := 1;
        prev := repeat('0', 64);
    ELSE
        n := n + 1;
    END IF;
    INSERT INTO audit_chain (tenant_id, seq, source, source_id, op, entry, entry_hash, prev_hash, hash, at)
    VALUES (
        t, n, TG_TABLE_NAME, sid, lower(TG_OP), e, eh, prev,
        encode(sha256(convert_to(
            prev || '|' || n || '|' || TG_TABLE_NAME || '|' || lower(TG_OP) || '|' || sid || '|' || eh
            || '|' || to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'UTF8')), 'hex'),
        ts
    );
    RETURN NULL;
END
$$;
"""


def upgrade() -> None:
    role = app_role()
    op.create_table(
        "audit_chain",
        sa.Column("tenant_id", sa.String(63), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("source", sa.String(63), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("op", sa.String(10), nullable=False),
        sa.Column("entry", sa.dialects.postgresql.JSONB, nullable=True),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_audit_chain_source", "audit_chain", ["tenant_id", "source", "source_id", "seq"])
    enable_tenant_rls(op, "audit_chain")
    op.create_table(
        "audit_digests",
        sa.Column("tenant_id", sa.String(63), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("signed_at", TS, nullable=False),
        sa.Column("key_name", sa.String(100), nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
    )
    # a platform table like operator_audit (hashes and signatures only): the hourly signer
    # writes every tenant's digest, including the platform chain's ('_platform')
    op.execute(FUNCTION)
    op.execute("REVOKE ALL ON FUNCTION omniops_audit_chain() FROM PUBLIC")
    for table in INSERT_ONLY:
        op.execute(
            f"CREATE TRIGGER audit_chain AFTER INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION omniops_audit_chain()"
        )
    for table in MUTABLE:
        op.execute(
            f"CREATE TRIGGER audit_chain AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION omniops_audit_chain()"
        )
    if role:
        op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_chain FROM {role}")
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_digests FROM {role}")
        for table in APPEND_ONLY:
            op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {role}")


def downgrade() -> None:
    role = app_role()
    for table in (*INSERT_ONLY, *MUTABLE):
        op.execute(f"DROP TRIGGER IF EXISTS audit_chain ON {table}")
    op.execute("DROP FUNCTION IF EXISTS omniops_audit_chain()")
    if role:
        for table in APPEND_ONLY:
            op.execute(f"GRANT UPDATE, DELETE ON {table} TO {role}")
    op.drop_table("audit_digests")
    op.drop_table("audit_chain")
