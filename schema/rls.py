"""Row-level security for a new tenant table, as migration 0008 set it up for the first ones:
``tenant_isolation`` (every command, ``tenant_id`` = the transaction's ``omniops.tenant_id``) and
``platform_read`` (SELECT when ``omniops.platform_read`` is on). Grants come from 0008's default
privileges. Migrations from 0009 on call :func:`enable_tenant_rls` for each table they create."""

from __future__ import annotations

from typing import Any

TENANT = "current_setting('omniops.tenant_id', true)"
PLATFORM_READ = "current_setting('omniops.platform_read', true) = 'on'"


def enable_tenant_rls(op: Any, table: str, column: str = "tenant_id") -> None:
    """Enable RLS on ``table`` with the two policies (``op``: alembic's operations object)."""
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    cond = f"{column} = {TENANT}"
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({cond}) WITH CHECK ({cond})")
    op.execute(f"CREATE POLICY platform_read ON {table} FOR SELECT USING ({PLATFORM_READ})")
