"""The audit export, erasure and retention routes (issue 16 Builds 2-4), in process over the
infra and the real agent worker, which runs the workflows. Roles are enforced (exports: owners and
admins; erasure and retention changes: owners), another tenant's export is a 404, a finished
export downloads as an archive whose manifest verifies, and an erasure ends with its certificate."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.export_archive import read_archive, verify_manifest
from core.retention import subject_hash
from devstack.stack import Stack
from tests.integration.helpers import headers
from tests.integration.lifecycle_helpers import JPEG, write_trail

pytestmark = pytest.mark.stack
DANA, ERIN = "dana@example.com", "erin@example.com"


@pytest.fixture(scope="session")
def slow_start(infra: Stack) -> Stack:
    """Only the agent worker (the lifecycle workflows' one), given 3 minutes to start."""
    infra.worker("worker-agent", "agent", timeout=180)
    return infra


@pytest.fixture(scope="session")
async def audit_api(slow_start: Stack) -> AsyncIterator[Any]:
    from litestar.testing import AsyncTestClient

    from api.app import create_app

    async with AsyncTestClient(app=create_app(), timeout=60) as client:
        yield client


async def finished(api: Any, path: str, tenant: str, timeout: float = 90) -> dict[str, Any]:
    for _ in range(int(timeout / 0.25)):
        r = await api.get(path, headers=headers(tenant, roles=("owner",)))
        assert r.status_code == 200, r.text
        if r.json()["status"] in ("done", "failed"):
            return dict(r.json())
        await asyncio.sleep(0.25)
    raise AssertionError(f"{path} did not finish")


async def test_export_roles_progress_download_and_other_tenants(audit_api: Any, tenant: str) -> None:
    trail = write_trail(tenant, DANA, ERIN)
    r = await audit_api.post("/api/audit/exports", json={}, headers=headers(tenant, roles=("member",)))
    assert r.status_code == 403
    r = await audit_api.post("/api/audit/exports", json={"format": "tar.gz"}, headers=headers(tenant))
    assert r.status_code == 202, r.text
    eid = r.json()["id"]
    assert (await audit_api.get(f"/api/audit/exports/{eid}", headers=headers("t-other"))).status_code == 404
    view = await finished(audit_api, f"/api/audit/exports/{eid}", tenant)
    assert view["status"] == "done" and view["progress"] == view["total"] and view["sha256"]
    r = await audit_api.get(f"/api/audit/exports/{eid}/download", headers=headers(tenant))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/gzip")
    files = read_archive(r.content)
    assert verify_manifest(files) == []
    shot = trail.subjects[DANA].screenshot.removeprefix(f"{tenant}/")
    assert files[f"screenshots/{shot}"] == JPEG + DANA.encode()
    r = await audit_api.get(f"/api/audit/exports/{eid}/download", headers=headers("t-other"))
    assert r.status_code == 404


async def test_erasure_is_for_owners_and_ends_with_a_certificate(audit_api: Any, tenant: str) -> None:
    write_trail(tenant, DANA, ERIN)
    body = {"subject_email": DANA}
    r = await audit_api.post("/api/audit/erasures", json=body, headers=headers(tenant, roles=("admin",)))
    assert r.status_code == 403
    r = await audit_api.post("/api/audit/erasures", json={}, headers=headers(tenant, roles=("owner",)))
    assert r.status_code == 422 and "confirm_tenant" in r.text
    r = await audit_api.post("/api/audit/erasures", json=body, headers=headers(tenant, roles=("owner",)))
    assert r.status_code == 202, r.text
    view = await finished(audit_api, f"/api/audit/erasures/{r.json()['id']}", tenant)
    assert view["status"] == "done" and view["scope"] == "subject"
    assert (
        view["certificate"]["subject"] == subject_hash(DANA) and view["certificate"]["keyrings_shredded"] == 1
    )
    assert DANA not in json.dumps(view)
    r = await audit_api.get("/api/audit/verify", headers=headers(tenant))
    assert r.json()["ok"], r.json()


async def test_retention_periods_are_read_by_admins_and_set_by_owners(audit_api: Any, tenant: str) -> None:
    write_trail(tenant)
    r = await audit_api.get("/api/audit/retention", headers=headers(tenant))
    assert r.status_code == 200 and set(r.json()["days"].values()) == {90}
    change = {"days": {"screenshots": 30}}
    assert (
        await audit_api.put("/api/audit/retention", json=change, headers=headers(tenant))
    ).status_code == 403
    r = await audit_api.put("/api/audit/retention", json=change, headers=headers(tenant, roles=("owner",)))
    assert (
        r.status_code == 200
        and r.json()["days"]["screenshots"] == 30
        and r.json()["days"]["audit_rows"] == 90
    )
    bad = {"days": {"screenshots": 0}}
    r = await audit_api.put("/api/audit/retention", json=bad, headers=headers(tenant, roles=("owner",)))
    assert r.status_code == 422 and "days.screenshots" in r.text
    unknown = {"days": {"everything": 5}}
    r = await audit_api.put("/api/audit/retention", json=unknown, headers=headers(tenant, roles=("owner",)))
    assert r.status_code in (400, 422)
