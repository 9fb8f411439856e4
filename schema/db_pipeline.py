"""A tenant's one read in one round trip (issue 17, API reads: the history page's p99).

:func:`schema.db.tenant_transaction` takes four round trips for one SELECT: ``BEGIN``, the
scope's ``set_config``, the SELECT, ``COMMIT``. Each wakes the API's thread and the Postgres
backend on the same cores, and under 50 clients each is a place to queue. :func:`tenant_read`
sends the same four in psycopg's pipeline mode, answered after one ``Sync``: the same
transaction, the same transaction-local scope (:data:`schema.db.TENANT_SETTING`, so the same
row-level security), the same statement compiled by SQLAlchemy, one round trip.

Errors go through SQLAlchemy's own handling (``Connection._handle_dbapi_exception``: wrapped as
``sqlalchemy.exc.DBAPIError`` subclasses, a disconnect invalidates the pool), so callers and
core/outages.py see what they see from a session; a read met by a dropped pooled connection is
retried once on a fresh one, as :func:`schema.db._begun` does for a session (a read changes nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection, Dialect, Engine, Select
from sqlalchemy.engine import Compiled
from sqlalchemy.exc import DBAPIError

from schema.db import PLATFORM_SETTING, TENANT_SETTING

_SCOPE_SQL = f"SELECT set_config('{TENANT_SETTING}', %s, true), set_config('{PLATFORM_SETTING}', 'off', true)"


@lru_cache(maxsize=64)
def _compiled(statement: Select[Any], dialect: Dialect) -> Compiled:
    """``statement`` compiled once per dialect (the hot routes' statements are module constants)."""
    compiled = statement.compile(dialect=dialect)
    if any(b.expanding for b in compiled.binds.values()):  # type: ignore[attr-defined]
        raise ValueError("tenant_read takes no expanding (IN list) parameters")
    return compiled


def tenant_read(
    engine: Engine, tenant_id: str, statement: Select[Any], params: Mapping[str, Any]
) -> list[Any]:
    """The rows of ``statement`` (a Core SELECT with ``params`` for its ``bindparam`` names, no
    IN-list parameters) as ``tenant_id`` sees them, in one round trip (module docstring): named
    tuples with the statement's column names as attributes, Postgres' values as psycopg reads
    them (the same as a Core connection's rows for these types: uuid, text, int, timestamptz).

    Raises ``sqlalchemy.exc.DBAPIError`` (e.g. ``OperationalError`` while Postgres is down)."""
    compiled = _compiled(statement, engine.dialect)
    bound = compiled.construct_params(dict(params))
    for attempt in (1, 2):
        with engine.connect() as conn:
            try:
                return _pipelined(conn, compiled.string, bound, tenant_id)
            except psycopg.Error as e:
                try:  # SQLAlchemy's own wrapping, events and pool invalidation on a disconnect
                    conn._handle_dbapi_exception(e, compiled.string, bound, None, None)
                except DBAPIError as wrapped:
                    if attempt == 2 or not wrapped.connection_invalidated:
                        raise
    raise AssertionError("unreachable")  # pragma: no cover


def _pipelined(conn: Connection, sql: str, params: Mapping[str, Any], tenant_id: str) -> list[Any]:
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection), "tenant_read needs the psycopg 3 driver"
    with raw.pipeline():  # BEGIN (psycopg's own, not autocommit) is queued first
        raw.execute(_SCOPE_SQL, (tenant_id,))
        rows = raw.cursor(row_factory=namedtuple_row).execute(sql, params)
        raw.execute("COMMIT")  # one Sync when the block ends: everything answered together
    return rows.fetchall()
