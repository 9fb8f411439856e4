"""Database engine (sync SQLAlchemy over psycopg 3) and the units of work callers open, each
saying whose rows it acts on (issue 11: the database enforces tenant isolation).

Postgres row-level security (migration 0008) shows a session only the rows of the tenant named by
the transaction-local setting ``omniops.tenant_id``; with none set it sees no row and inserts none.
The one mechanism that sets it: an opener below stores the scope in ``Session.info`` and the
``after_begin`` listener runs ``set_config(..., true)`` at the start of EVERY transaction of that
session, so a commit in the middle of a block does not drop the scope.

- :func:`tenant_transaction` ``(engine, tenant_id)``: everything a tenant's request or a tenant's
  activity does. The API passes the authenticated principal's tenant (or the tenant an operator
  acts on); activities pass their input's ``tenant_id``.
- :func:`schema.db_pipeline.tenant_read` ``(engine, tenant_id, statement, params)``: the same
  scope for one prebuilt Core SELECT, in a single pipelined round trip without an ORM session:
  the API's hottest read, the history page (issue 17).
- :func:`platform_transaction` ``(engine, reason)``: reads across tenants (the cycle fan-out's
  enabled tenants, an operator's every-tenant runs and health, global metrics). Tenant tables are
  read-only in it (the policy allows only SELECT); platform tables (``system_config``,
  ``agent_alerts``, ``operator_audit``) have no RLS and stay writable. Code calls it on purpose,
  with a reason that is logged at debug level. :func:`scoped_transaction` picks one of the two
  for the API's reads where an operator may omit the tenant (None: every tenant).
- :func:`owner_transaction` ``()``: the migration (table owner) role, to which RLS does not apply:
  test fixtures and benchmarks that seed or inspect rows across tenants. Never used by the API,
  the workers or activities (tests/integration/test_rls.py checks the source).

The API and the workers connect as the application role (``database.url``: LOGIN, NOSUPERUSER,
NOBYPASSRLS, not the owner, DML only); ``database.migration_url`` is the owner.
Callers in async code use ``asyncio.to_thread``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache

import structlog
from sqlalchemy import Connection, Engine, event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, create_engine

from core.settings import get_settings

log = structlog.get_logger(__name__)

TENANT_SETTING = "omniops.tenant_id"
"""The transaction-local Postgres setting every tenant policy compares ``tenant_id`` with."""
PLATFORM_SETTING = "omniops.platform_read"
"""``on``: the transaction may SELECT every tenant's rows (``platform_read`` policies)."""
PLATFORM_TABLES = frozenset(
    {"system_config", "agent_alerts", "operator_audit", "audit_digests", "alembic_version"}
)
"""The tables without row-level security, each with its reason in migration 0008's docstring;
every other table has it (tests/integration/test_rls.py checks the live database)."""
SCOPE_KEY = "omniops.scope"
"""``Session.info`` key: ``("tenant", id)`` or ``("platform", reason)``."""

_SET_SCOPE = text(
    f"SELECT set_config('{TENANT_SETTING}', :tenant, true), set_config('{PLATFORM_SETTING}', :platform, true)"
)


POOL_RECYCLE_S = 1800
"""A pooled connection older than this (seconds) is replaced at its next checkout."""


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    """The engine of ``url``: a pool of 10 (+10 overflow) connections, no pre-ping.

    A pre-ping was one more round trip (``SELECT 1``) per checkout, i.e. per unit of work: a fifth
    of a cycle's statements (issue 17, profiled under bench/cycles.py). Without it a connection
    Postgres dropped fails at its first statement; SQLAlchemy then invalidates the whole pool (a
    disconnect error), the failure is a transient ``DatabaseUnavailable`` (core/outages.py) and
    the activity's next attempt connects afresh; a dropped connection met at a unit's first
    statement is retried once at once (:func:`_begun`). ``pool_recycle`` replaces connections older than
    :data:`POOL_RECYCLE_S`, before a server or proxy idle timeout closes them."""
    return create_engine(url, pool_pre_ping=False, pool_recycle=POOL_RECYCLE_S, pool_size=10, max_overflow=10)


def get_engine() -> Engine:
    """The application role's engine (``database.url``)."""
    return engine_for(get_settings().database.url)


def owner_engine() -> Engine:
    """The migration (table owner) role's engine (``database.migration_url``); RLS does not apply."""
    return engine_for(get_settings().database.migration_url)


def app_role() -> str:
    """The application role's name (the user of ``database.url``), granted DML by migration 0008."""
    return make_url(get_settings().database.url).username or ""


@event.listens_for(OrmSession, "after_begin")
def _apply_scope(session: OrmSession, _tx: SessionTransaction, conn: Connection) -> None:
    """Set this session's scope as transaction-local settings; nothing for an owner session."""
    scope = session.info.get(SCOPE_KEY)
    if scope is not None:
        _set_scope(conn, scope)


def _set_scope(conn: Connection, scope: tuple[str, str]) -> None:
    kind, value = scope
    tenant, platform = (value, "off") if kind == "tenant" else ("", "on")
    conn.execute(_SET_SCOPE, {"tenant": tenant, "platform": platform})


@contextmanager
def _unit(engine: Engine, scope: tuple[str, str] | None) -> Iterator[Session]:
    with _begun(engine, scope) as s:
        yield s
        s.commit()


def _begun(engine: Engine, scope: tuple[str, str] | None) -> Session:
    """A session whose transaction has begun (its scope set: the statement every unit runs first).

    Without a pre-ping, a pooled connection Postgres dropped (a restart, a failover) fails at its
    first statement. That is here, before any of the unit's work, so one retry on a fresh
    connection (SQLAlchemy invalidated the pool on the disconnect) is safe: the API's first request
    after a Postgres restart no longer fails, and an activity no longer spends an attempt on it.
    Any other error, or a second disconnect (Postgres is down), is raised."""
    for attempt in (1, 2):
        s = Session(engine, expire_on_commit=False, info={SCOPE_KEY: scope} if scope else None)
        try:
            s.connection()
            return s
        except DBAPIError as e:
            s.close()
            if attempt == 2 or not e.connection_invalidated:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def tenant_transaction(engine: Engine, tenant_id: str) -> AbstractContextManager[Session]:
    """One unit of work for ``tenant_id``: a session that sees and writes only that tenant's rows,
    commits when the block ends (a commit inside the block keeps the scope); when the block raises,
    closing the session rolls back. Rows stay readable after the block (``expire_on_commit=False``).
    An empty ``tenant_id`` (a platform principal's) sees no row and inserts none."""
    return _unit(engine, ("tenant", tenant_id))


def platform_transaction(engine: Engine, reason: str) -> AbstractContextManager[Session]:
    """One unit of work across tenants: SELECT on every tenant's rows, no insert, update or delete
    on tenant tables (RLS refuses them); platform tables as usual. ``reason`` (e.g. "cycle fan-out:
    enabled tenants") says why the caller needs every tenant; it is logged at debug level."""
    log.debug("platform transaction", reason=reason)
    return _unit(engine, ("platform", reason))


def scoped_transaction(engine: Engine, tenant_id: str | None, reason: str) -> AbstractContextManager[Session]:
    """:func:`tenant_transaction` for ``tenant_id``, or :func:`platform_transaction` for ``reason``
    when it is None (the API's "an operator who names no tenant sees every tenant" reads)."""
    if tenant_id is None:
        return platform_transaction(engine, reason)
    return tenant_transaction(engine, tenant_id)


def owner_transaction() -> AbstractContextManager[Session]:
    """A unit of work as the table owner (``database.migration_url``): every row, no RLS. For test
    fixtures, the benchmarks' seeds and migrations only."""
    return _unit(owner_engine(), None)
