"""The database enforces tenant isolation (issue 11, Build item 8; migration 0008), on the real
Postgres of the test stack: the application role of ``database.url`` against rows seeded as the
owner in every tenant table (generated from the metadata: tests/integration/rls_helpers.py).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, ProgrammingError

from schema.business import Contact, Quote
from schema.db import (
    PLATFORM_TABLES,
    app_role,
    get_engine,
    owner_transaction,
    platform_transaction,
    tenant_transaction,
)
from tests.integration.rls_helpers import TENANT_TABLES, count, fake_row, seed_every_table

ROOT = Path(__file__).resolve().parents[2]
RLS_REFUSED = "row-level security"


@dataclass
class Seeded:
    a: str
    b: str
    rows: dict[str, dict[str, dict[str, Any]]]


@pytest.fixture(scope="module")
def seeded(infra: Any) -> Seeded:
    a, b = f"rls-a-{uuid.uuid4().hex[:8]}", f"rls-b-{uuid.uuid4().hex[:8]}"
    return Seeded(a, b, {a: seed_every_table(a), b: seed_every_table(b)})


def test_the_app_role_is_not_the_owner_and_cannot_bypass_rls(infra: Any) -> None:
    role = app_role()
    with owner_transaction() as s:
        r = {"r": role}
        flags = s.execute(
            sa.text("SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = :r"), r
        ).one()
        owned = s.execute(
            sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = :r"), r
        ).all()
        privileges = s.execute(
            sa.text(
                "SELECT has_schema_privilege(:r, 'public', 'CREATE'),"
                " has_table_privilege(:r, 'operator_audit', 'UPDATE'),"
                " has_table_privilege(:r, 'operator_audit', 'DELETE'),"
                " has_table_privilege(:r, 'alembic_version', 'SELECT'),"
                " has_table_privilege(:r, 'contacts', 'TRUNCATE')"
            ),
            r,
        ).one()
    assert tuple(flags) == (False, False, True)
    assert owned == []
    assert not any(privileges)


def test_every_table_but_the_platform_tables_has_rls_and_both_policies(infra: Any) -> None:
    """From the live database, not a list: a new table without RLS fails here until it gets its
    policies (or is declared a platform table in schema.db.PLATFORM_TABLES, with its reason)."""
    with owner_transaction() as s:
        rls = dict(
            s.execute(
                sa.text(
                    "SELECT c.relname, c.relrowsecurity FROM pg_class c JOIN pg_namespace n"
                    " ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
                )
            ).all()
        )
        policies = s.execute(sa.text("SELECT tablename, policyname, cmd, qual FROM pg_policies")).all()
    assert {t for t, on in rls.items() if not on} == set(PLATFORM_TABLES)
    assert {t.name for t in TENANT_TABLES} == {t for t, on in rls.items() if on}
    by_table: dict[str, dict[str, tuple[str, str]]] = {}
    for table, name, cmd, qual in policies:
        by_table.setdefault(table, {})[name] = (cmd, qual)
    for t in TENANT_TABLES:
        p = by_table[t.name]
        assert set(p) == {"tenant_isolation", "platform_read"}, t.name
        assert p["tenant_isolation"][0] == "ALL" and "omniops.tenant_id" in p["tenant_isolation"][1]
        assert p["platform_read"][0] == "SELECT" and "omniops.platform_read" in p["platform_read"][1]


def test_every_foreign_key_between_tenant_tables_includes_tenant_id(infra: Any) -> None:
    with owner_transaction() as s:
        fks = s.execute(
            sa.text(
                "SELECT conrelid::regclass::text, confrelid::regclass::text, conname,"
                " (SELECT array_agg(attname::text) FROM pg_attribute WHERE attrelid = conrelid"
                "  AND attnum = ANY(conkey)) FROM pg_constraint WHERE contype = 'f'"
            )
        ).all()
    tenant = {t.name for t in TENANT_TABLES} - {"tenants"}
    between = [(c, p, n, cols) for c, p, n, cols in fks if c in tenant and p in tenant]
    assert len(between) >= 17
    assert [n for _, _, n, cols in between if "tenant_id" not in cols] == []


def test_a_session_with_no_tenant_sees_no_row_and_inserts_none(seeded: Seeded) -> None:
    with owner_transaction() as s:
        assert all(count(s, t, seeded.a) >= 1 for t in TENANT_TABLES)  # the rows are there
    with get_engine().connect() as conn:  # the app role, no scope set
        seen = {t.name: count(conn, t) for t in TENANT_TABLES}
    assert seen == dict.fromkeys(seen, 0)
    refused = 0
    for table in TENANT_TABLES:
        # audit_chain, audit_tombstones: the app role may not insert at all (only the chain trigger
        # and omniops_audit_tombstone write them)
        why = "permission denied" if table.name in ("audit_chain", "audit_tombstones") else RLS_REFUSED
        with get_engine().connect() as conn, pytest.raises(ProgrammingError, match=why):
            conn.execute(table.insert().values(fake_row(table, seeded.a, seeded.rows[seeded.a])))
        refused += 1
    assert refused == len(TENANT_TABLES)


def test_a_tenant_sees_only_its_own_rows_in_every_table(seeded: Seeded) -> None:
    with tenant_transaction(get_engine(), seeded.a) as s:
        other = {t.name: count(s, t, seeded.b) for t in TENANT_TABLES}
        own = {t.name: count(s, t, seeded.a) for t in TENANT_TABLES}
        everything = {t.name: count(s, t) for t in TENANT_TABLES}
    assert other == dict.fromkeys(other, 0)
    assert min(own.values()) >= 1  # the seeded row (another test may add a quote)
    assert everything == own


def test_the_scope_survives_a_commit_and_never_outlives_its_transaction(seeded: Seeded) -> None:
    contacts = Contact.__table__  # type: ignore[attr-defined]
    with tenant_transaction(get_engine(), seeded.a) as s:
        assert count(s, contacts) == 1
        s.commit()
        assert count(s, contacts) == 1 and count(s, contacts, seeded.b) == 0
    for _ in range(3):  # pooled connections that ran a tenant transaction
        with get_engine().connect() as conn:
            assert count(conn, contacts) == 0


def test_a_quote_cannot_reference_another_tenants_contact(seeded: Seeded) -> None:
    """The composite foreign key refuses it whoever inserts: referential checks bypass RLS."""
    b_contact = seeded.rows[seeded.b]["contacts"]["id"]
    with pytest.raises(IntegrityError, match="quotes_tenant_contact_id_fkey"):
        with tenant_transaction(get_engine(), seeded.a) as s:
            s.add(Quote(tenant_id=seeded.a, contact_id=b_contact))
    with pytest.raises(IntegrityError, match="quotes_tenant_contact_id_fkey"):
        with owner_transaction() as s:
            s.add(Quote(tenant_id=seeded.a, contact_id=b_contact))
    with tenant_transaction(get_engine(), seeded.a) as s:  # its own contact is fine
        s.add(Quote(tenant_id=seeded.a, contact_id=seeded.rows[seeded.a]["contacts"]["id"]))


def test_a_tenant_cannot_write_another_tenants_rows(seeded: Seeded) -> None:
    contacts = Contact.__table__  # type: ignore[attr-defined]
    b_id, a_id = seeded.rows[seeded.b]["contacts"]["id"], seeded.rows[seeded.a]["contacts"]["id"]
    with pytest.raises(ProgrammingError, match=RLS_REFUSED):
        with tenant_transaction(get_engine(), seeded.a) as s:
            s.add(Contact(tenant_id=seeded.b, name="planted"))
    with pytest.raises(ProgrammingError, match=RLS_REFUSED):
        with tenant_transaction(get_engine(), seeded.a) as s:
            s.execute(sa.update(contacts).where(contacts.c.id == a_id).values(tenant_id=seeded.b))
    with tenant_transaction(get_engine(), seeded.a) as s:
        changed = s.execute(sa.update(contacts).where(contacts.c.id == b_id).values(name="x")).rowcount
        deleted = s.execute(sa.delete(contacts).where(contacts.c.id == b_id)).rowcount
    assert (changed, deleted) == (0, 0)
    with owner_transaction() as s:
        assert count(s, contacts, seeded.b) == 1


def test_platform_scope_reads_every_tenant_and_writes_no_tenant_row(seeded: Seeded) -> None:
    contacts = Contact.__table__  # type: ignore[attr-defined]
    with platform_transaction(get_engine(), "test: every tenant") as s:
        assert all(count(s, t, seeded.a) >= 1 and count(s, t, seeded.b) >= 1 for t in TENANT_TABLES)
        changed = s.execute(sa.update(contacts).where(contacts.c.tenant_id == seeded.a).values(name="x"))
        deleted = s.execute(sa.delete(contacts).where(contacts.c.tenant_id == seeded.b))
        assert (changed.rowcount, deleted.rowcount) == (0, 0)  # type: ignore[attr-defined]
    with pytest.raises(ProgrammingError, match=RLS_REFUSED):
        with platform_transaction(get_engine(), "test: insert") as s:
            s.execute(contacts.insert().values(fake_row(contacts, seeded.a, seeded.rows[seeded.a])))


OPENERS = re.compile(
    r"\bSession\([^)]*engine|\bengine(\(\))?\.(begin|connect)\(|owner_(transaction|engine)|migration_url"
)


def test_no_application_code_opens_a_session_without_a_tenant_scope() -> None:
    """The API, the workers, the activities and the repositories open sessions only through
    schema.db's scoped openers; the owner role is for migrations, tests and benchmarks."""
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for d in ("api", "activities", "workers", "schema/repositories", "core", "workflows")
        for p in sorted((ROOT / d).rglob("*.py"))
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if OPENERS.search(line) and "settings.py" not in p.name
    ]
    assert found == []
