"""A pooled connection Postgres dropped (a restart, a failover, an idle kill) is met at a unit of
work's first statement and retried once on a fresh connection (schema/db.py ``_begun``), so the
unit runs; while Postgres refuses connections the error still surfaces. Real Postgres: the
connection is ended server-side with ``pg_terminate_backend``."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, literal_column, select, text
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.pool import NullPool

from core.settings import get_settings
from devstack.stack import Stack
from schema.db import tenant_transaction
from schema.db_pipeline import tenant_read
from schema.repositories.operation_reads import history_query

pytestmark = pytest.mark.stack


def test_a_unit_of_work_survives_its_pooled_connection_being_dropped(infra: Stack, tenant: str) -> None:
    engine = create_engine(get_settings().database.url, pool_size=1, max_overflow=0, pool_pre_ping=False)
    with tenant_transaction(engine, tenant) as s:
        pid = s.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert s.execute(text("SELECT current_setting('omniops.tenant_id')")).scalar_one() == tenant
    other = create_engine(get_settings().database.url, poolclass=NullPool)
    with other.connect() as c:  # the same role may end its own backends
        assert c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
    with tenant_transaction(engine, tenant) as s:  # the pool's one connection is the dead one
        assert s.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
        assert s.execute(text("SELECT current_setting('omniops.tenant_id')")).scalar_one() == tenant
    engine.dispose()


def test_a_refused_connection_is_not_retried_into_success(infra: Stack, tenant: str) -> None:
    url = get_settings().database.url.replace(f":{infra.c.pg_port}/", ":1/")
    with pytest.raises(OperationalError), tenant_transaction(create_engine(url), tenant) as s:
        s.execute(text("SELECT 1"))


def test_a_pipelined_read_survives_a_dropped_connection(infra: Stack, tenant: str) -> None:
    engine = create_engine(get_settings().database.url, pool_size=1, max_overflow=0, pool_pre_ping=False)
    with engine.connect() as c:
        pid = c.execute(text("SELECT pg_backend_pid()")).scalar_one()
        c.rollback()
    other = create_engine(get_settings().database.url, poolclass=NullPool)
    with other.connect() as c:
        assert c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
    assert tenant_read(engine, tenant, *history_query(tenant, 5)) == []  # retried on a fresh connection
    with engine.connect() as c:
        assert c.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    with pytest.raises(DataError) as failed:  # SQLAlchemy's wrapping of the pipeline's error, not retried
        tenant_read(engine, tenant, select(literal_column("1/0").label("x")), {})
    assert not failed.value.connection_invalidated
    assert tenant_read(engine, tenant, *history_query(tenant, 5)) == []  # the connection is usable again
    engine.dispose()
