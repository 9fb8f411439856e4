"""The data bench.cycles seeds: per tenant an account, a catalogue product, two contacts (one past
its 21-day touch), a new order and a client reply (see bench/cycles.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal


def seed(prefix: str, n: int) -> None:
    from sqlalchemy import insert

    from schema.agent import AgentRun  # noqa: F401  (tables registered)
    from schema.business import Client as Account
    from schema.business import Contact, InboundMessage, Order, Product
    from schema.db import owner_engine
    from schema.tables import Tenant

    old = datetime.now(UTC) - timedelta(days=40)
    now = datetime.now(UTC)
    ids = [f"{prefix}-{i:05d}" for i in range(n)]
    with owner_engine().begin() as c:
        c.execute(
            insert(Tenant), [{"id": t, "name": t, "agent_enabled": True, "created_at": now} for t in ids]
        )
        c.execute(
            insert(Account),
            [
                {
                    "id": f"{t}-a",
                    "tenant_id": t,
                    "name": "Acme",
                    "active": True,
                    "credit_limit": Decimal(5000),
                    "created_at": now,
                }
                for t in ids
            ],
        )
        c.execute(
            insert(Product),
            [
                {
                    "id": f"{t}-p",
                    "tenant_id": t,
                    "code": "APPR",
                    "name": "Appraisal",
                    "fee": Decimal(450),
                    "tech_fee": Decimal(25),
                }
                for t in ids
            ],
        )
        c.execute(
            insert(Contact),
            [
                {
                    "id": f"{t}-c{k}",
                    "tenant_id": t,
                    "client_id": f"{t}-a",
                    "name": "Pat",
                    "email": f"pat{k}@{t}.example.test",
                    "created_at": old if k == 0 else now,
                }
                for t in ids
                for k in (0, 1)
            ],
        )
        c.execute(
            insert(Order),
            [
                {
                    "id": f"{t}-o",
                    "tenant_id": t,
                    "client_id": f"{t}-a",
                    "product_code": "APPR",
                    "fee_amount": Decimal(450),
                    "tech_fee": Decimal(25),
                    "total_amount": Decimal(475),
                    "billing_method": "bill",
                    "payment_status": "unpaid",
                    "status": "new",
                    "processing_status": "new",
                    "property_address": "1 Main St",
                    "borrower_name": "Sam",
                    "borrower_email": "sam@example.test",
                    "property_contact_name": "Kim",
                    "property_contact_phone": "555",
                    "created_at": now,
                }
                for t in ids
            ],
        )
        c.execute(
            insert(InboundMessage),
            [
                {
                    "id": f"{t}-m",
                    "tenant_id": t,
                    "message_id": f"<{t}@bench>",
                    "from_email": f"pat1@{t}.example.test",
                    "subject": "Re: order",
                    "body": "Thanks, received.",
                    "kind": "reply",
                    "received_at": now,
                }
                for t in ids
            ],
        )


def warm_tenant_keys(prefix: str, n: int) -> None:
    """Create the seeded tenants' payload keyrings and unsubscribe keys in Vault (``--warm-keys``):
    an hourly cycle of an existing tenant finds both, while a new tenant's first cycle creates
    them (a Vault read, a create, in the agent worker and in the messaging worker)."""
    from core.keys import ensure_tenant_keyring, unsubscribe_key
    from core.settings import get_settings
    from core.vault import VaultStore

    store = VaultStore(get_settings())
    for i in range(n):
        ensure_tenant_keyring(store, f"{prefix}-{i:05d}")
        unsubscribe_key(store, f"{prefix}-{i:05d}")
