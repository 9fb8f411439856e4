"""Operation statistics (issue 16 Build 5, seed 001) over real Postgres, through the API in
process: exact counts, rate, duration percentiles and LLM usage of the period, nothing from
outside it or from another tenant; bad periods are 422 problems."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.stack import Stack
from schema.tables import AutonomousOperation
from tests.integration.cycle_helpers import add, enable
from tests.integration.helpers import headers, operator

pytestmark = pytest.mark.stack
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
async def stats_api(infra: Stack) -> Any:
    from litestar.testing import AsyncTestClient

    from api.app import create_app

    async with AsyncTestClient(app=create_app(), timeout=30) as c:
        yield c


def op(
    tenant: str, status: str, at: datetime, seconds: float | None = None, **kw: Any
) -> AutonomousOperation:
    oid = uuid.uuid4()
    return AutonomousOperation(
        id=oid,
        tenant_id=tenant,
        service="wordpress",
        operation="application_password_generation",
        status=status,
        workflow_id=f"op-{tenant}-{oid}",
        created_at=at,
        started_at=at,
        completed_at=at + timedelta(seconds=seconds) if seconds is not None else None,
        **kw,
    )


def llm(calls: int, cost: float) -> dict[str, Any]:
    return {
        "llm": {"calls": calls, "input_tokens": 100 * calls, "output_tokens": 10 * calls, "cost_usd": cost}
    }


async def test_a_periods_statistics_are_exact_and_only_the_tenants(stats_api: Any, tenant: str) -> None:
    other = f"t-{uuid.uuid4().hex[:10]}"
    enable(tenant)
    enable(other)
    add(
        op(tenant, "completed", T0, 1, total_steps=5, result=llm(0, 0.0)),
        op(tenant, "completed", T0 + timedelta(hours=1), 2, total_steps=5, result=llm(2, 0.0125)),
        op(tenant, "completed", T0 + timedelta(days=1), 10, total_steps=7, result=llm(1, 0.005)),
        op(tenant, "failed", T0 + timedelta(days=2), 3, total_steps=2),
        op(tenant, "cancelled", T0 + timedelta(days=3)),
        op(tenant, "completed", T0 - timedelta(days=1), 99, total_steps=9, result=llm(9, 9.0)),  # before
        op(other, "completed", T0, 50, total_steps=9, result=llm(9, 9.0)),  # another tenant
    )
    period = {"from": T0.isoformat(), "to": (T0 + timedelta(days=7)).isoformat()}
    r = await stats_api.get(
        "/api/audit/statistics", params=period, headers=headers(tenant, roles=("viewer",))
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["total"] == 5
    assert got["by_status"] == {"completed": 3, "failed": 1, "cancelled": 1}
    assert got["success_rate"] == 0.75
    assert got["duration_ms_median"] == 2000.0
    assert got["duration_ms_p95"] == 9200.0  # percentile_cont over 1 s, 2 s, 10 s
    assert (got["steps"], got["ai_calls"], got["ai_cost_usd"]) == (19, 3, 0.0175)
    assert (got["ai_input_tokens"], got["ai_output_tokens"]) == (300, 30)

    as_op = await stats_api.get(
        "/api/audit/statistics", params={**period, "tenant_id": tenant}, headers=operator()
    )
    assert as_op.status_code == 200 and as_op.json()["total"] == 5
    # another tenant's viewer gets its own tenant's numbers, never these
    theirs = await stats_api.get(
        "/api/audit/statistics", params=period, headers=headers(other, roles=("viewer",))
    )
    assert theirs.json()["total"] == 1 and theirs.json()["tenant_id"] == other


@pytest.mark.parametrize(
    ("params", "who", "field"),
    [
        ({"from": "2026-11-09T00:00:00Z", "to": "2026-11-02T00:00:00Z"}, "viewer", "from"),
        ({"from": "2025-01-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"}, "viewer", "to"),
        ({}, "operator", "tenant_id"),
    ],
)
async def test_bad_periods_are_problems_naming_the_field(
    stats_api: Any, tenant: str, params: dict[str, str], who: str, field: str
) -> None:
    enable(tenant)
    h = operator() if who == "operator" else headers(tenant, roles=("viewer",))
    r = await stats_api.get("/api/audit/statistics", params=params, headers=h)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"].startswith(f"{field}:"), r.json()
