"""The API's hot operation reads (issue 17) against the test stack's Postgres. The finished-status
cache (api/status_cache.py): a finished operation's repeat read needs no database, only its own
tenant gets it, a running or unknown operation is never kept, and a deleted row (an erasure)
shows after the TTL. The history page (Core rows, keyset paging): newest first, paged by the
previous page's last id, only the tenant's own rows, read in one pipelined round trip
(``schema.db_pipeline.tenant_read``: the same rows and RLS scope as a ``tenant_transaction``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text, update

from core.settings import get_settings
from schema.db import owner_transaction, tenant_transaction
from schema.db_pipeline import tenant_read
from schema.repositories.operation_reads import history_query
from schema.repositories.operations import delete_operation, insert_operation
from schema.tables import AutonomousOperation
from tests.integration.helpers import headers
from workflows.ids import operation_workflow_id

pytestmark = pytest.mark.stack

STATUS = "/api/autonomous/status/"


@pytest.fixture(autouse=True)
def _infra(infra: Any) -> None:
    """Postgres, Vault and Temporal up (the in-process API connects to them)."""


@asynccontextmanager
async def app(**api: Any) -> AsyncIterator[Any]:
    """An in-process API (lifespan run) with ``api`` overriding ``Settings.api``."""
    from litestar.testing import AsyncTestClient

    from api.app import create_app

    base = get_settings()
    settings = base.model_copy(update={"api": base.api.model_copy(update=api)})
    async with AsyncTestClient(app=create_app(settings), timeout=30) as client:
        yield client


def stored(tenant: str, status: str, **extra: Any) -> str:
    """A stored operation row of ``tenant`` with ``status`` (no workflow behind it)."""
    op_id = uuid.uuid4()
    values = {
        **extra,
        "id": op_id,
        "tenant_id": tenant,
        "service": "wordpress",
        "operation": "publish_post",
        "status": status,
        "total_steps": 3,
        "current_step": 3,
        "result": {"status": status, "reason": None},
        "workflow_id": operation_workflow_id(tenant, str(op_id)),
    }
    with owner_transaction() as s:
        insert_operation(s, values)
    return str(op_id)


def delete(tenant: str, op_id: str) -> None:
    with owner_transaction() as s:
        delete_operation(s, tenant, uuid.UUID(op_id))


async def test_a_finished_status_is_read_once_and_only_by_its_tenant(tenant: str) -> None:
    op = stored(tenant, "completed")
    async with app(status_cache_ttl_s=600) as api:
        first = await api.get(STATUS + op, headers=headers(tenant, roles=("viewer",)))
        assert first.status_code == 200 and first.json()["status"] == "completed", first.text
        delete(tenant, op)  # the database no longer has it: the repeat read is the cached view
        again = await api.get(STATUS + op, headers=headers(tenant, roles=("viewer",)))
        assert again.status_code == 200 and again.json() == first.json()
        other = await api.get(STATUS + op, headers=headers(f"{tenant}-b", roles=("viewer",)))
        assert other.status_code == 404, other.text  # keyed by the verified token's tenant
        anonymous = await api.get(STATUS + op)
        assert anonymous.status_code == 401  # authentication and the authz matrix come first


async def test_an_erased_finished_operation_is_gone_after_the_ttl(tenant: str) -> None:
    op = stored(tenant, "failed")
    async with app(status_cache_ttl_s=0.2) as api:
        assert (await api.get(STATUS + op, headers=headers(tenant))).status_code == 200
        delete(tenant, op)
        await asyncio.sleep(0.3)  # the configured TTL, shortened
        assert (await api.get(STATUS + op, headers=headers(tenant))).status_code == 404
    async with app(status_cache_size=0) as api:  # off: every read is the database's
        op = stored(tenant, "cancelled")
        assert (await api.get(STATUS + op, headers=headers(tenant))).status_code == 200
        delete(tenant, op)
        assert (await api.get(STATUS + op, headers=headers(tenant))).status_code == 404


async def test_an_unended_or_unknown_operation_is_not_kept(tenant: str) -> None:
    op = stored(tenant, "pending")
    async with app(status_cache_ttl_s=600) as api:
        unknown = await api.get(STATUS + str(uuid.uuid4()), headers=headers(tenant))
        assert unknown.status_code == 404
        # pending with no workflow behind it: the live query finds none (404), nothing is kept
        assert (await api.get(STATUS + op, headers=headers(tenant))).status_code == 404
        with owner_transaction() as s:
            s.execute(
                update(AutonomousOperation)
                .where(AutonomousOperation.id == uuid.UUID(op))  # type: ignore[arg-type]
                .values(status="completed")
            )
        done = await api.get(STATUS + op, headers=headers(tenant))
        assert done.status_code == 200 and done.json()["status"] == "completed", done.text


async def test_history_pages_newest_first_and_only_the_tenants_own(tenant: str) -> None:
    t0 = datetime.now(UTC)
    ops = [stored(tenant, "completed", created_at=t0 + timedelta(seconds=i)) for i in range(5)]
    other = stored(f"{tenant}-b", "completed", created_at=t0 + timedelta(seconds=9))
    newest_first = ops[::-1]
    async with app() as api:

        async def page(query: str) -> list[dict[str, Any]]:
            r = await api.get(f"/api/autonomous/history?{query}", headers=headers(tenant, roles=("viewer",)))
            assert r.status_code == 200, r.text
            return list(r.json())

        first = await page("limit=2")
        assert [i["operation_id"] for i in first] == newest_first[:2]
        assert first[0]["status"] == "completed" and first[0]["execution_status"] == "completed"
        assert set(first[0]) == {
            "operation_id",
            "workflow_id",
            "service",
            "operation",
            "status",
            "execution_status",
            "started_at",
            "closed_at",
        }
        second = await page(f"limit=2&before={first[-1]['operation_id']}")
        assert [i["operation_id"] for i in second] == newest_first[2:4]
        assert [i["operation_id"] for i in await page("limit=50")] == newest_first
        assert await page(f"before={uuid.uuid4()}") == []  # an unknown mark
        assert await page(f"before={other}") == []  # another tenant's row is no mark


def test_a_tenant_read_is_the_tenant_transactions_page_and_leaves_no_scope_behind(tenant: str) -> None:
    t0 = datetime.now(UTC)
    ops = [stored(tenant, "completed", created_at=t0 + timedelta(seconds=i)) for i in range(3)]
    theirs = stored(f"{tenant}-b", "completed")
    engine = create_engine(get_settings().database.url, pool_size=1, max_overflow=0)  # one connection
    with tenant_transaction(engine, tenant) as s:
        expected = [tuple(r) for r in s.execute(*history_query(tenant, 500)).all()]
    got = tenant_read(engine, tenant, *history_query(tenant, 500))
    assert [tuple(r) for r in got] == expected and [str(r.id) for r in got][:3] == ops[::-1]
    assert theirs not in {str(r.id) for r in got}
    assert tenant_read(engine, tenant, *history_query(f"{tenant}-b", 500)) == []  # RLS: the scope
    after = tenant_read(engine, tenant, *history_query(tenant, 1, uuid.UUID(ops[2])))
    assert [str(r.id) for r in after] == [ops[1]]  # keyset paging, the same statement
    with engine.connect() as c:  # the same pooled connection: the scope ended with its transaction
        assert c.execute(text("SELECT current_setting('omniops.tenant_id', true)")).scalar_one() in ("", None)
        assert not c.execute(text("SELECT count(*) FROM autonomous_operations")).scalar_one()
    engine.dispose()
