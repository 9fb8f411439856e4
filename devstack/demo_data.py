"""Demo business data for the local run's hourly cycle (tenant ``demo``); idempotent.

Enough for every phase to have work: a new order and a bad one (Act: order processor), two
contacts past their 21-day touch (Act: email through the outbox to the local SMTP server), an
opted-out contact (policy: suppression), and a client's explicit request (Act: a human task).
The tenant's own domain (:data:`DEMO_DOMAIN`, ``agent_settings["domains"]``) is where links in
its planned emails may point (policy rule ``email_links``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert

from schema.agent import EmailSuppression
from schema.business import Client, Contact, InboundMessage, Order, Product
from schema.db import tenant_transaction
from schema.repositories.tenants import ensure_tenant, get_tenant

DEMO_DOMAIN = "demo.example.test"


def seed_demo(engine: Engine, tenant: str) -> None:
    with tenant_transaction(engine, tenant) as s:
        ensure_tenant(s, tenant)
        row = get_tenant(s, tenant)
        if row is not None and "domains" not in (row.agent_settings or {}):
            row.agent_settings = {**(row.agent_settings or {}), "domains": [DEMO_DOMAIN]}
    old, now = datetime.now(UTC) - timedelta(days=30), datetime.now(UTC)
    order = {
        "tenant_id": tenant,
        "client_id": f"{tenant}-acme",
        "product_code": "APPR",
        "fee_amount": Decimal(450),
        "tech_fee": Decimal(25),
        "total_amount": Decimal(475),
        "billing_method": "bill",
        "payment_status": "unpaid",
        "status": "new",
        "processing_status": "new",
        "borrower_name": "Sam Borrower",
        "borrower_email": "sam@example.test",
        "property_contact_name": "Kim Agent",
        "property_contact_phone": "555-0100",
        "created_at": now,
    }
    rows = [
        (
            Client,
            [
                {
                    "id": f"{tenant}-acme",
                    "tenant_id": tenant,
                    "name": "Acme Lending",
                    "active": True,
                    "credit_limit": Decimal(5000),
                    "created_at": old,
                }
            ],
        ),
        (
            Product,
            [
                {
                    "id": f"{tenant}-appr",
                    "tenant_id": tenant,
                    "code": "APPR",
                    "name": "Appraisal",
                    "fee": Decimal(450),
                    "tech_fee": Decimal(25),
                }
            ],
        ),
        (
            Contact,
            [
                {
                    "id": f"{tenant}-pat",
                    "tenant_id": tenant,
                    "client_id": f"{tenant}-acme",
                    "name": "Pat Lee",
                    "email": "pat@example.test",
                    "created_at": old,
                },
                {
                    "id": f"{tenant}-jo",
                    "tenant_id": tenant,
                    "client_id": f"{tenant}-acme",
                    "name": "Jo Park",
                    "email": "jo@example.test",
                    "created_at": old,
                },
                {
                    "id": f"{tenant}-max",
                    "tenant_id": tenant,
                    "client_id": f"{tenant}-acme",
                    "name": "Max Roe",
                    "email": "max@example.test",
                    "created_at": old,
                },
            ],
        ),
        (
            Order,
            [
                {**order, "id": f"{tenant}-order-1", "property_address": "1 Main St, Springfield"},
                {**order, "id": f"{tenant}-order-2", "property_address": None, "total_amount": Decimal(400)},
            ],
        ),
        (
            EmailSuppression,
            [
                {
                    "id": f"{tenant}-max-optout",
                    "tenant_id": tenant,
                    "email": "max@example.test",
                    "reason": "opt_out",
                    "created_at": old,
                }
            ],
        ),
        (
            InboundMessage,
            [
                {
                    "id": f"{tenant}-msg-1",
                    "tenant_id": tenant,
                    "message_id": f"<{tenant}-1@example.test>",
                    "from_email": "pat@example.test",
                    "subject": "Re: your appraisal",
                    "body": "Thanks! Can you call me Thursday about the next order?",
                    "kind": "reply",
                    "contact_id": f"{tenant}-pat",
                    "received_at": now,
                }
            ],
        ),
    ]
    with tenant_transaction(engine, tenant) as s:
        for model, values in rows:
            s.execute(insert(model.__table__).values(values).on_conflict_do_nothing())  # type: ignore[attr-defined]
