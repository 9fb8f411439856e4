"""The authorization sweep (issue 11, Build 1), generated from the app's OpenAPI document on the
real stack: every operation has a matrix row; every caller (viewer, member, admin, owner, system,
platform operator, a tenant token claiming ``operator``, no token) on its own tenant is refused
(401/403) exactly when the matrix says so; every tenant caller naming another tenant's real rows
gets 403 or 404 and never its data. Figures are printed and written to
``{OMNIOPS_TEST_DATA}/authz-sweep.json``."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any

from temporalio.service import RPCError, RPCStatusCode

from api.authz.matrix import MATRIX
from core.temporal import connect
from tests.integration.authz_helpers import (
    CALLERS,
    CAPABILITY_ROUTES,
    PROBE_BODIES,
    PROBE_BODY,
    TENANT_ROLES,
    Seeded,
    allowed,
    caller_headers,
    operations,
    other_body,
    refers_to_other,
    request,
    seed_tenant,
)
from tests.integration.helpers import headers
from tests.stack_fixtures import DATA
from workflows import ids

REFUSED = {401, 403}


def leaked(status: int, text: str, victim: Seeded, sent: str) -> bool:
    """A 2xx/3xx, or the victim's ids or data in the answer that the caller did not send itself."""
    return status < 400 or any(m in text and m not in sent for m in victim.markers)


async def _positive_control(api: Any, victim: Seeded) -> None:
    """The markers do show up where they belong (so the leak check can fail): the victim's owner
    sees its consent with the granter's IP; its admin sees the consent without the IP."""
    url, consent_id = "/api/autonomous/consent", victim.params["consent_id"]
    as_owner = (await api.get(url, headers=headers(victim.tenant, roles=("owner",)))).text
    as_admin = (await api.get(url, headers=headers(victim.tenant, roles=("admin",)))).text
    assert consent_id in as_owner and "203.0.113.7" in as_owner
    assert consent_id in as_admin and "203.0.113.7" not in as_admin


async def _cleanup(api: Any, victim: Seeded, fanout: str | None) -> None:
    h = headers(victim.tenant, roles=("owner",))
    await api.post(f"/api/autonomous/{victim.params['op_id']}/cancel", headers=h)
    await api.post(f"/api/autonomous/plans/{victim.params['plan_id']}/cancel", headers=h)
    await api.delete(f"/api/compliance/schedules/{victim.params['schedule_id']}", headers=h)
    if fanout:  # stop listing tenants, so later tests' tenants are not run by it
        try:
            await (await connect(scoping=ids)).get_workflow_handle(fanout).terminate("authz sweep over")
        except RPCError as e:  # it already finished (few tenants on a young test database)
            if e.status != RPCStatusCode.NOT_FOUND:
                raise


async def test_every_operation_every_role_own_and_other_tenant(api: Any, live: Any) -> None:
    doc = (await api.get("/schema/openapi.json")).json()
    ops = operations(doc)
    assert [o["path"] for o in ops if not o["id"]] == [], "operations without an operation id"
    missing = sorted(o["id"] for o in ops if o["id"] not in MATRIX)
    assert missing == [], f"routes without a row in api/authz/matrix.py: {missing}"

    suffix = uuid.uuid4().hex[:8]
    own, victim = f"t-own-{suffix}", f"t-victim-{suffix}"
    victim_rows = await seed_tenant(api, victim, live.wp)
    own_values = {"tenant_id": own}
    figures: dict[str, Any] = {"operations": len(ops), "own": {}, "other": {}}
    wrong: list[str] = []
    fanout = None
    try:
        # (b) own tenant: refused exactly when the matrix says so
        calls = refusals = 0
        for op in ops:
            rule = MATRIX[op["id"]]
            if op["id"] in CAPABILITY_ROUTES:
                continue
            for caller in CALLERS:
                req = request(op, own_values, PROBE_BODIES.get(op["id"], PROBE_BODY))
                r = await api.request(**req, headers=caller_headers(caller, own))
                calls += 1
                refusals += r.status_code in REFUSED
                if op["id"] == "runEveryTenantNow" and r.status_code == 202:
                    fanout = r.json()["workflow_id"]
                if (r.status_code in REFUSED) == allowed(rule, caller) or r.status_code >= 500:
                    wrong.append(f"own {op['id']} as {caller}: {r.status_code} {r.text[:200]}")
        figures["own"] = {"calls": calls, "refusals": refusals, "wrong": len(wrong)}

        # (c) another tenant's real rows: 403 or 404 for every tenant caller, never data
        calls = refusals = leaks = 0
        statuses: Counter[int] = Counter()
        tenant_callers = (*TENANT_ROLES, "tenant token claiming operator")
        for op in ops:
            if MATRIX[op["id"]].public or not refers_to_other(op):
                continue
            req = request(op, victim_rows.params, other_body(op["id"], victim_rows))
            sent = json.dumps(req)
            for caller in tenant_callers:
                r = await api.request(**req, headers=caller_headers(caller, own))
                calls += 1
                statuses[r.status_code] += 1
                refusals += r.status_code in (403, 404)
                if leaked(r.status_code, r.text, victim_rows, sent):
                    leaks += 1
                    wrong.append(f"LEAK {op['id']} as {caller}: {r.status_code} {r.text[:200]}")
                elif r.status_code not in (403, 404):
                    wrong.append(f"other {op['id']} as {caller}: {r.status_code} {r.text[:200]}")
        named_calls, named_refusals = calls, refusals
        # lists and stats name no id: the victim's data must not be in them either
        for op in ops:
            if op["method"] != "GET" or MATRIX[op["id"]].public or refers_to_other(op):
                continue
            for caller in tenant_callers:
                r = await api.request(**request(op, {}, None), headers=caller_headers(caller, own))
                calls += 1
                refusals += r.status_code in (403, 404)
                if any(m in r.text for m in victim_rows.markers):
                    leaks += 1
                    wrong.append(f"LEAK {op['id']} as {caller}: {r.text[:200]}")
        figures["other"] = {
            "calls": calls,
            "calls_naming_the_other_tenant": named_calls,
            "refused_403_404": named_refusals,
            "statuses_naming_the_other_tenant": {str(k): v for k, v in sorted(statuses.items())},
            "list_and_stats_calls": calls - named_calls,
            "leaks": leaks,
        }
        await _positive_control(api, victim_rows)
    finally:
        await _cleanup(api, victim_rows, fanout)
        DATA.mkdir(parents=True, exist_ok=True)
        (DATA / "authz-sweep.json").write_text(json.dumps({**figures, "wrong": wrong}, indent=2))
        print(f"\nauthz sweep: {json.dumps(figures)}")
    assert wrong == [], "\n".join(wrong)
