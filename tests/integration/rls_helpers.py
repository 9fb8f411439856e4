"""Rows for every tenant table, generated from the SQLModel metadata (tests/integration/test_rls.py).

A new table gets rows without a change here: each NOT NULL column without a server default gets
a value of its type, ``tenant_id`` the tenant, and a column of a composite foreign key the id of
the same tenant's parent row (tables are seeded in dependency order).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlmodel import SQLModel

import schema.agent  # noqa: F401  (registers the tables)
import schema.audit_chain  # noqa: F401
import schema.audit_lifecycle  # noqa: F401
import schema.business  # noqa: F401
import schema.documents  # noqa: F401
import schema.followups  # noqa: F401
import schema.intake  # noqa: F401
import schema.order_review  # noqa: F401
import schema.platform  # noqa: F401
import schema.signals  # noqa: F401
import schema.tables  # noqa: F401
import schema.unsubscribe  # noqa: F401
import schema.work  # noqa: F401
from schema.db import PLATFORM_TABLES, owner_transaction

TENANT_TABLES = [
    t
    for t in SQLModel.metadata.sorted_tables
    if t.name == "tenants" or ("tenant_id" in t.c and t.name not in PLATFORM_TABLES)
]
"""Every table RLS must cover, parents before children: ``tenants`` (by id) and every table with
a ``tenant_id`` column but the platform tables."""


def _value(c: sa.Column[Any]) -> Any:
    t = c.type.impl_instance if isinstance(c.type, sa.TypeDecorator) else c.type  # sqlmodel's AutoString
    if isinstance(t, sa.Uuid):
        return uuid.uuid4()
    if isinstance(t, JSONB):
        return {}
    if isinstance(t, INET):
        return "127.0.0.1"
    if isinstance(t, sa.Boolean):
        return False
    if isinstance(t, sa.Integer):
        return 1
    if isinstance(t, sa.Float):
        return 1.0
    if isinstance(t, sa.Numeric):
        return Decimal(1)
    if isinstance(t, sa.DateTime):
        return datetime.now(UTC)
    if isinstance(t, sa.String):
        return uuid.uuid4().hex[: t.length or 32]
    raise TypeError(f"no test value for {c.table.name}.{c.name} ({t!r}): extend rls_helpers._value")


def _parent(table: sa.Table, column: str) -> str | None:
    for fk in table.foreign_key_constraints:
        if column in fk.column_keys and fk.referred_table.name != "tenants":
            return fk.referred_table.name
    return None


def fake_row(table: sa.Table, tenant: str, parents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A new row of ``table`` for ``tenant``, referencing ``parents`` (table name -> that tenant's row)."""
    row: dict[str, Any] = {"id": tenant} if table.name == "tenants" else {"tenant_id": tenant}
    for c in table.columns:
        if c.name in row:
            continue
        parent = _parent(table, c.name)
        if parent is not None:
            row[c.name] = parents[parent]["id"]
        elif not c.nullable and c.server_default is None:
            row[c.name] = _value(c)
    return row


def seed_every_table(tenant: str) -> dict[str, dict[str, Any]]:
    """One row of ``tenant`` in every tenant table (as the owner); returns them by table name."""
    rows: dict[str, dict[str, Any]] = {}
    with owner_transaction() as s:
        for table in TENANT_TABLES:
            rows[table.name] = fake_row(table, tenant, rows)
            s.execute(table.insert().values(rows[table.name]))
    return rows


def count(conn: Any, table: sa.Table, tenant: str | None = None) -> int:
    """Rows of ``table`` this connection sees (only ``tenant``'s when given)."""
    stmt = sa.select(sa.func.count()).select_from(table)
    if tenant is not None:
        stmt = stmt.where((table.c.id if table.name == "tenants" else table.c.tenant_id) == tenant)
    return int(conn.execute(stmt).scalar_one())
