"""CSV imports on the real stack (issue 12, Build 2): an exact per-row report, idempotent re-runs,
dry runs that write nothing, a worker killed mid-import that leaves no duplicate, bad files."""

from __future__ import annotations

import asyncio
import csv
import io
import signal
import uuid
from typing import Any

from sqlalchemy import func, select

from schema.business import Contact
from schema.db import owner_transaction
from tests.integration.cycle_helpers import enable
from tests.integration.helpers import headers

# the 50 bad rows: (row_no -> (cells that break it, field named in the reason))
BAD_KINDS = (
    ({"email": "not-an-address"}, "email"),
    ({"email": ""}, "email"),
    ({"client_id": "no-such-account"}, "client_id"),
    ({"title": "x" * 300}, "title"),
    ({"phone": "p" * 80}, "phone"),
)


def contacts_csv(n: int, bad_every: int = 0, tag: str = "") -> tuple[bytes, dict[int, str]]:
    """``n`` contact rows; every ``bad_every``-th row broken (row_no -> field its reason names)."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=["email", "name", "title", "phone", "client_id"])
    w.writeheader()
    bad: dict[int, str] = {}
    for i in range(1, n + 1):
        row = {
            "email": f"c{i}-{tag}@example.test",
            "name": f"Contact {i}",
            "title": "Buyer",
            "phone": "",
            "client_id": "",
        }
        if bad_every and i % bad_every == 0:
            cells, fld = BAD_KINDS[(i // bad_every) % len(BAD_KINDS)]
            row.update(cells)
            bad[i] = fld
        w.writerow(row)
    return out.getvalue().encode(), bad


async def start(
    api: Any, h: dict[str, str], raw: bytes, entity: str = "contacts", dry_run: bool = False
) -> Any:
    return await api.post(
        "/api/imports",
        files={"file": ("contacts.csv", raw, "text/csv")},
        data={"entity": entity, "dry_run": "true" if dry_run else "false"},
        headers=h,
    )


async def finished(api: Any, h: dict[str, str], import_id: str, timeout: float = 120) -> dict[str, Any]:
    for _ in range(int(timeout / 0.25)):
        job = (await api.get(f"/api/imports/{import_id}", headers=h)).json()
        if job["status"] in ("completed", "failed"):
            return dict(job)
        await asyncio.sleep(0.25)
    raise AssertionError(f"import {import_id} did not finish: {job}")


async def report(
    api: Any, h: dict[str, str], import_id: str, status: str | None = None
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        q = f"/api/imports/{import_id}/rows?limit=500" + (f"&status={status}" if status else "")
        page = (await api.get(q + (f"&cursor={cursor}" if cursor else ""), headers=h)).json()
        rows += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return rows


def contact_count(tenant: str) -> int:
    with owner_transaction() as s:
        return int(
            s.execute(
                select(func.count()).select_from(Contact).where(Contact.tenant_id == tenant)
            ).scalar_one()
        )


async def test_a_thousand_rows_with_fifty_bad_give_an_exact_report_and_a_rerun_changes_nothing(
    api: Any, tenant: str
) -> None:
    enable(tenant)
    h = headers(tenant)
    raw, bad = contacts_csv(1000, bad_every=20, tag=tenant)
    assert len(bad) == 50
    r = await start(api, h, raw, dry_run=True)
    assert r.status_code == 202, r.text
    dry = await finished(api, h, r.json()["id"])
    assert (dry["created"], dry["rejected"], dry["updated"]) == (950, 50, 0)
    assert contact_count(tenant) == 0, "a dry run writes no record"

    job = await finished(api, h, (await start(api, h, raw)).json()["id"])
    assert (job["status"], job["total_rows"], job["processed"]) == ("completed", 1000, 1000)
    assert (job["created"], job["updated"], job["unchanged"], job["rejected"]) == (950, 0, 0, 50)
    rejected = await report(api, h, job["id"], "rejected")
    assert {r["row_no"]: r["reason"].split(":")[0] for r in rejected} == bad
    rows = await report(api, h, job["id"])
    assert [r["row_no"] for r in rows] == list(range(1, 1001))
    assert all(r["record_id"] for r in rows if r["status"] == "created")
    assert contact_count(tenant) == 950

    again = await finished(api, h, (await start(api, h, raw)).json()["id"])
    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (0, 0, 950, 50)
    assert contact_count(tenant) == 950


async def test_duplicates_in_a_file_and_updates_are_reported(api: Any, tenant: str) -> None:
    enable(tenant)
    h = headers(tenant)
    raw = b"email,name\nann@example.test,Ann\nANN@example.test,Ann again\nbob@example.test,Bob\n"
    job = await finished(api, h, (await start(api, h, raw)).json()["id"])
    assert (job["created"], job["rejected"]) == (2, 1)
    [dup] = await report(api, h, job["id"], "rejected")
    assert dup["row_no"] == 2 and dup["reason"] == "email: duplicate of row 1"
    job = await finished(api, h, (await start(api, h, b"email,name\nbob@example.test,Robert\n")).json()["id"])
    assert (job["updated"], job["created"]) == (1, 0)


async def test_bad_files_are_refused_with_a_reason(api: Any, tenant: str) -> None:
    enable(tenant)
    h = headers(tenant)
    for raw, entity, status, words in (
        (b"emial,name\nx@example.test,X\n", "contacts", 400, "emial"),
        (b"", "contacts", 400, "header"),
        ("email\nx@example.test\n".encode("utf-16"), "contacts", 400, "UTF-8"),
        (b"email\nx@example.test\n", "widgets", 400, "entity"),
    ):
        r = await start(api, h, raw, entity=entity)
        assert r.status_code == status and words in r.text, (raw[:20], r.text)
    assert (await start(api, headers(tenant, roles=("member",)), b"email\n")).status_code == 403


async def test_another_tenants_import_is_404(api: Any, tenant: str) -> None:
    enable(tenant)
    other = f"t-{uuid.uuid4().hex[:10]}"
    enable(other)
    job = (await start(api, headers(tenant), b"email\nz@example.test\n")).json()
    for url in (f"/api/imports/{job['id']}", f"/api/imports/{job['id']}/rows"):
        assert (await api.get(url, headers=headers(other))).status_code == 404
    assert job["id"] not in [
        j["id"] for j in (await api.get("/api/imports", headers=headers(other))).json()["items"]
    ]


async def test_a_worker_killed_mid_import_leaves_every_row_exactly_once(
    api: Any, live: Any, tenant: str
) -> None:
    enable(tenant)
    h = headers(tenant)
    stack = live.stack
    raw, _ = contacts_csv(6000, tag=tenant)
    job = (await start(api, h, raw)).json()
    for _ in range(400):  # wait until some batches are done, then kill the agent worker
        seen = (await api.get(f"/api/imports/{job['id']}", headers=h)).json()
        if seen["processed"] >= 1000:
            break
        await asyncio.sleep(0.05)
    assert 0 < seen["processed"] < 6000, seen
    stack.stop("worker-agent", sig=signal.SIGKILL)
    try:
        stack.worker("worker-agent", "agent")
        done = await finished(api, h, job["id"], timeout=180)
    finally:
        stack.worker("worker-agent", "agent")
    assert (done["status"], done["created"], done["processed"], done["rejected"]) == (
        "completed",
        6000,
        6000,
        0,
    )
    assert contact_count(tenant) == 6000
    rows = await report(api, h, job["id"])
    assert len(rows) == 6000 and {r["status"] for r in rows} == {"created"}
    assert len({r["record_id"] for r in rows}) == 6000
