"""Helpers of the authorization sweep (tests/integration/test_authz_matrix.py): the callers, one
tenant's seeded rows (real ids, by path parameter name), and the requests built from the
OpenAPI document."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from api.authz.matrix import Rule
from schema.agent import AgentRun
from schema.business import ComplianceCheck, Deal, Quote
from schema.db import owner_transaction
from schema.repositories import operations as operations_repo
from schema.repositories.tenants import ensure_tenant
from schema.tables import AutonomousConsent, OperationConfirmation
from tests.integration.cycle_helpers import account, add, good_order
from tests.integration.helpers import OPERATION, SERVICE, headers, operator, store_admin_credential

TENANT_ROLES = ("viewer", "member", "admin", "owner", "system")
CALLERS = (*TENANT_ROLES, "platform operator", "tenant token claiming operator", "no token")
DUMMY = "00000000-0000-4000-8000-000000000000"
PROBE_BODY: dict[str, Any] = {"_authz_probe": 1}
"""Own-tenant calls: a body no route accepts (400), so an allowed call changes nothing."""
PROBE_BODIES: dict[str, Any] = {"putCycleSchedule": {"jitter_s": -1}, "codecDecode": {"payloads": "x"}}
CAPABILITY_ROUTES = frozenset({"codecUiDecode", "codecUiEncode", "receiveOrderWebhook"})
"""Public rows authenticated by a capability in the path or a signature, not by the caller's token
(every caller gets the same answer): their refusals are tested in
tests/integration/test_codec_server.py and tests/integration/test_order_webhooks.py."""


def caller_headers(caller: str, tenant: str) -> dict[str, str]:
    if caller == "platform operator":
        return operator(f"ops-{tenant}")
    if caller == "tenant token claiming operator":
        return headers(tenant, user="mallory", roles=("operator",))
    if caller == "no token":
        return {}
    return headers(tenant, user=f"{caller}-user", roles=(caller,))


def allowed(rule: Rule, caller: str) -> bool:
    """What the matrix says for ``caller`` on its own tenant."""
    if rule.public:
        return True
    if caller == "platform operator":
        return rule.operator
    return caller in rule.roles


@dataclass
class Seeded:
    """One tenant's rows: values by path/query parameter name, and markers of its data."""

    tenant: str
    params: dict[str, str] = field(default_factory=dict)
    markers: set[str] = field(default_factory=set)


def _db() -> Any:
    return owner_transaction()


async def seed_tenant(api: Any, tenant: str, wp: dict[str, str]) -> Seeded:
    """A tenant with a waiting operation (real workflow), a credential, a consent, a confirmation,
    a cycle run, a quote, a deal, an order, a compliance schedule (real Temporal Schedule) and check."""
    with _db() as s:
        ensure_tenant(s, tenant)
    await store_admin_credential(api, tenant, wp)
    r = await api.post(
        "/api/autonomous/initiate",
        headers=headers(tenant, user="scheduler", roles=("system",)),
        json={"service": SERVICE, "operation": OPERATION, "inputs": {"site_url": wp["url"]}},
    )
    assert r.status_code == 202, r.text
    op_id = r.json()["operation_id"]
    r = await api.post(
        "/api/compliance/schedules",
        headers=headers(tenant, roles=("owner",)),
        json={"name": "KYC", "frequency": "annual", "target_type": "contacts", "required_fields": ["email"]},
    )
    assert r.status_code == 201, r.text
    schedule_id = r.json()["id"]
    acct = account(tenant)
    order = good_order(tenant, acct.id)
    run = AgentRun(id=f"cycle-{tenant}-2000010100", tenant_id=tenant, hour="2000010100", cycle_number=1)
    quote = Quote(tenant_id=tenant, status="draft", view_token=uuid.uuid4().hex)
    deal = Deal(tenant_id=tenant, title=f"deal of {tenant}")
    check = ComplianceCheck(
        tenant_id=tenant,
        schedule_id=schedule_id,
        entity_type="contacts",
        entity_id="c-1",
        due_at=datetime.now(UTC) + timedelta(days=30),
    )
    consent = AutonomousConsent(
        tenant_id=tenant, user_id="owner-user", service=SERVICE, operation="authz_probe", permissions=[]
    )
    consent.ip_address = "203.0.113.7"
    add(run, quote, deal, check, consent)
    document, order_doc = _document(tenant, order.id)
    confirmation = await _confirmation(tenant, op_id)
    r = await api.post(  # a plan waiting for its consent (issue 15): nothing runs
        "/api/autonomous/plans",
        headers=headers(tenant, user="scheduler", roles=("system",)),
        json={"plan": "wordpress_application_password_verified", "inputs": {"site_url": wp["url"]}},
    )
    assert r.status_code == 202, r.text
    plan_id = r.json()["plan_id"]
    params = {
        "op_id": op_id,
        "run_id": run.id,
        "tenant_id": tenant,
        "schedule_id": schedule_id,
        "check_id": check.id,
        "order_id": order.id,
        "quote_id": quote.id,
        "deal_id": deal.id,
        "service": SERVICE,
        "credential_type": "admin",
        "origin": "https://example.com",
        "consent_id": str(consent.id),
        "document_id": document,
        "order_document_id": order_doc,
        "plan_id": plan_id,
    }
    markers = {tenant, op_id, run.id, schedule_id, check.id, order.id, quote.id, deal.id, str(consent.id)}
    markers |= {document, order_doc, plan_id}
    return Seeded(tenant, params, markers | {confirmation, "203.0.113.7"})


def _document(tenant: str, order_id: str) -> tuple[str, str]:
    """A library document (issue 14; no file) and an order document of ``order_id``: their ids."""
    from schema.documents import Document
    from schema.intake import OrderDocument

    doc = Document(
        tenant_id=tenant, title=f"doc of {tenant}", source_type="manual_upload", mime_type="text/plain",
        size_bytes=1, sha256="0" * 64, extraction_status="completed",
    )  # fmt: skip
    od = OrderDocument(tenant_id=tenant, order_id=order_id, kind="invoice")
    add(doc, od)
    return doc.id, od.id


async def _confirmation(tenant: str, op_id: str) -> str:
    """A confirmation row of the operation, once the workflow has written the operation's row."""
    for _ in range(200):
        with _db() as s:
            if operations_repo.get_operation(s, tenant, uuid.UUID(op_id)) is not None:
                row = OperationConfirmation(
                    tenant_id=tenant,
                    operation_id=uuid.UUID(op_id),
                    step_number=1,
                    approved=False,
                    decided_by="x",
                )
                s.add(row)
                s.flush()
                return str(row.id)
        await asyncio.sleep(0.1)
    raise AssertionError(f"operation {op_id} never wrote its row")


MULTIPART = {"files": {"file": ("sweep.txt", "authz sweep")}}
"""A well-formed multipart body (sent as ``files``, not JSON)."""

VALID_BODIES: dict[str, Any] = {
    "confirmSensitiveStep": {"step_number": 1, "approve": True},
    "feedbackAnswer": {"text": "fine"},
    "quoteAccepted": {"reason": "price"},
    "quoteRejected": {"reason": "price"},
    "dealActivity": {"kind": "call"},
    "dealStage": {"stage": "proposal"},
    "dealClientRequest": {"message_id": "m-1", "text": "hello"},
    "dealClose": {"outcome": "lost"},
    "updateComplianceSchedule": {"name": "renamed"},
    "waiveComplianceCheck": {"reason": "not needed"},
    "putCycleSchedule": {"paused": True},
    "updateDocument": {"title": "renamed"},
    "uploadOrderDocumentFile": MULTIPART,
}
"""Other-tenant calls: well-formed bodies, so tenancy is the only reason to refuse."""


def other_body(op: str, victim: Seeded) -> Any:
    """The body that names ``victim`` for routes whose body names a tenant or an operation."""
    t, p = victim.tenant, victim.params
    named = {
        "setAgentSwitch": {"tenant_id": t, "agent_enabled": False},
        "allowSite": {"tenant_id": t, "origin": "https://example.com", "reason": "sweep"},
        "changeConsent": {
            "action": "revoke",
            "service": SERVICE,
            "operation": OPERATION,
            "operation_id": p["op_id"],
        },
        "changePlanConsent": {"action": "revoke"},
    }
    return named.get(op, VALID_BODIES.get(op))


REFERENCES = {"op_id", "run_id", "tenant_id", "schedule_id", "check_id", "order_id", "quote_id", "deal_id"}
REFERENCES |= {"credential_type", "document_id", "order_document_id", "plan_id"}
BODY_REFERENCES = ("setAgentSwitch", "allowSite", "changeConsent")


def refers_to_other(op: dict[str, Any]) -> bool:
    """Whether the call can name another tenant's row or tenant (path, query or body)."""
    names = {q["name"] for q in op["parameters"]}
    return bool(
        names
        & {
            "op_id",
            "run_id",
            "tenant_id",
            "schedule_id",
            "check_id",
            "order_id",
            "quote_id",
            "deal_id",
            "credential_type",
            "document_id",
            "order_document_id",
            "plan_id",
        }
    ) or op["id"] in ("setAgentSwitch", "allowSite", "changeConsent")


def operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of the OpenAPI document: id, method, path template, parameters, body."""
    out = []
    for path, item in doc["paths"].items():
        for method, spec in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            out.append(
                {
                    "id": spec.get("operationId"),
                    "method": method.upper(),
                    "path": path,
                    "parameters": [q for q in spec.get("parameters", []) if q["in"] in ("path", "query")],
                    "body": "requestBody" in spec,
                }
            )
    return out


def request(op: dict[str, Any], values: dict[str, str], body: Any) -> dict[str, Any]:
    """``{method, url, params, json}`` with each path parameter filled by name from ``values``
    (a dummy otherwise) and the query parameters ``values`` knows."""
    url = op["path"]
    params = {}
    for q in op["parameters"]:
        value = values.get(q["name"], (q.get("schema", {}).get("enum") or [DUMMY])[0])
        if q["in"] == "path":
            url = url.replace("{" + q["name"] + "}", value)
        elif q["name"] in values:
            params[q["name"]] = value
    out: dict[str, Any] = {"method": op["method"], "url": url, "params": params}
    if op["body"] and body is MULTIPART:
        out.update(MULTIPART)
    elif op["body"]:
        out["json"] = body
    return out
