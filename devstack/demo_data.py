"""Demo business data for the local run's hourly cycle (tenant ``demo``), fed the way a tenant
feeds it (issue 12, Build 6): accounts, products, contacts and orders through CSV imports
(``POST /api/imports``, each dry-run first), a draft quote and a goal through the records API.
Idempotent: imports dedupe on natural keys, so a second ``make run`` reports rows unchanged.

Enough for every phase to have work: a new order and a bad one (Act: order processor), contacts
last contacted 30 days ago (``last_contacted_at``: past their 21-day touch; Act: email through the
outbox to the local SMTP server), an opted-out contact (policy: suppression), and a client's
explicit request (Act: a human task).

Two rows are still written directly, because no route creates them: the opt-out (the suppression
list is filled by unsubscribes and bounces, inbox ingestion, issue 13) and the client's reply
(inbox ingestion). The tenant's own domain (:data:`DEMO_DOMAIN`, ``agent_settings["domains"]``) is
where links in its planned emails may point (policy rule ``email_links``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert

from devstack.config import StackError
from schema.agent import EmailSuppression
from schema.business import InboundMessage
from schema.db import tenant_transaction
from schema.repositories.engagement import contact_by_email
from schema.repositories.tenants import ensure_tenant, get_tenant

DEMO_DOMAIN = "demo.example.test"
Out = Callable[[str], None]


def csv_files(account_id: str, now: datetime) -> dict[str, str]:
    """The demo's CSV files by entity, in import order (header row = the import's field names)."""
    old = (now - timedelta(days=30)).isoformat()
    order = f"APPR,450,25,{{total}},bill,{account_id},Sam Borrower,sam@example.test,Kim Agent,555-0100"
    return {
        "products": "code,name,fee,tech_fee\nAPPR,Appraisal,450,25\n",
        "contacts": (
            "email,name,title,client_id,last_contacted_at\n"
            f"pat@example.test,Pat Lee,Loan Officer,{account_id},{old}\n"
            f"jo@example.test,Jo Park,Processor,{account_id},{old}\n"
            f"max@example.test,Max Roe,Underwriter,{account_id},{old}\n"
        ),
        "orders": (
            "external_id,product_code,fee_amount,tech_fee,total_amount,billing_method,client_id,borrower_name,"
            "borrower_email,property_contact_name,property_contact_phone,property_address\n"
            f'demo-1001,{order.format(total=475)},"1 Main St, Springfield"\n'
            f"demo-1002,{order.format(total=400)},\n"
        ),
    }


def _import(call: Any, headers: dict[str, str], entity: str, body: str, dry_run: bool) -> dict[str, Any]:
    job: dict[str, Any] = call(
        "POST",
        "/api/imports",
        headers,
        files={"file": (f"{entity}.csv", body.encode(), "text/csv")},
        data={"entity": entity, "dry_run": str(dry_run).lower()},
    )
    deadline = time.monotonic() + 60
    while job["status"] not in ("completed", "failed"):
        if time.monotonic() > deadline:
            raise StackError(f"import {job['id']} of {entity} did not finish: {job}")
        time.sleep(0.2)
        job = call("GET", f"/api/imports/{job['id']}", headers)
    if job["status"] != "completed" or job["rejected"]:
        rows = call("GET", f"/api/imports/{job['id']}/rows?status=rejected", headers)["items"]
        raise StackError(f"import of {entity}: {job['status']}, rejected {rows}")
    return job


def seed_demo(call: Any, headers: dict[str, str], engine: Engine, tenant: str, out: Out) -> None:
    """Feed the demo tenant through the API (``call(method, path, headers, **httpx kwargs)``)."""
    with tenant_transaction(engine, tenant) as s:
        ensure_tenant(s, tenant)
        row = get_tenant(s, tenant)
        if row is not None and "domains" not in (row.agent_settings or {}):
            row.agent_settings = {**(row.agent_settings or {}), "domains": [DEMO_DOMAIN]}
    now = datetime.now(UTC)
    accounts = "external_id,name,active,credit_limit\nacme,Acme Lending,true,5000\n"
    acme = _import(call, headers, "accounts", accounts, dry_run=False)
    account_id = call("GET", "/api/accounts?external_id=acme", headers)["items"][0]["id"]
    out(f"imported accounts: {_counts(acme)}")
    for entity, body in csv_files(account_id, now).items():
        dry = _import(call, headers, entity, body, dry_run=True)
        job = _import(call, headers, entity, body, dry_run=False)
        out(f"imported {entity}: {_counts(job)} (dry run said: {_counts(dry)})")
    if not call("GET", "/api/goals?metric=orders", headers)["items"]:
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        goal = {
            "metric": "orders",
            "target": "40",
            "period_start": start.isoformat(),
            "period_end": (start + timedelta(days=31)).isoformat(),
            "name": "Orders this month",
        }
        call("POST", "/api/goals", headers, json=goal)
    if not call("GET", "/api/quotes?status=draft", headers)["items"]:
        pat = call("GET", "/api/contacts?email=pat@example.test", headers)["items"][0]["id"]
        quote = {
            "title": "Appraisal bundle",
            "contact_id": pat,
            "client_id": account_id,
            "line_items": [{"description": "Appraisal", "quantity": "2", "unit_price": "450"}],
        }
        made = call("POST", "/api/quotes", headers, json=quote)
        out(f"created draft quote {made['id']} through the records API")
    _direct_rows(engine, tenant, now)


def _counts(job: dict[str, Any]) -> str:
    return ", ".join(f"{k} {job[k]}" for k in ("created", "updated", "unchanged", "rejected"))


def _direct_rows(engine: Engine, tenant: str, now: datetime) -> None:
    """The opt-out and the client's reply: no route writes these yet (inbox ingestion, issue 13)."""
    with tenant_transaction(engine, tenant) as s:
        pat = contact_by_email(s, tenant, "pat@example.test")
        rows = [
            (
                EmailSuppression,
                {
                    "id": f"{tenant}-max-optout",
                    "tenant_id": tenant,
                    "email": "max@example.test",
                    "reason": "opt_out",
                    "created_at": now - timedelta(days=30),
                },
            ),
            (
                InboundMessage,
                {
                    "id": f"{tenant}-msg-1",
                    "tenant_id": tenant,
                    "message_id": f"<{tenant}-1@example.test>",
                    "from_email": "pat@example.test",
                    "subject": "Re: your appraisal",
                    "body": "Thanks! Can you call me Thursday about the next order?",
                    "kind": "reply",
                    "contact_id": pat.id if pat else None,
                    "received_at": now,
                },
            ),
        ]
        for model, values in rows:
            s.execute(insert(model.__table__).values(values).on_conflict_do_nothing())  # type: ignore[attr-defined]
