"""Seeding and reading helpers for the hourly-cycle integration tests (real Postgres, Temporal,
SMTP). Rows are created through the SQLModel tables, as the product's own data would be."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import Message
from typing import Any

from sqlalchemy import select, update
from sqlmodel import SQLModel, col
from temporalio.client import Client

from core import queues
from devstack.mailsink import read_maildir
from devstack.stack import Stack
from schema.business import Client as Account
from schema.business import Contact, Order, Product
from schema.db import owner_transaction
from schema.repositories.tenants import ensure_tenant
from schema.tables import Tenant
from tests.clock import clear_of_the_hour_turn
from workflows.cycle.hours import hour_key
from workflows.cycle.messages import CycleInput, CycleResult
from workflows.cycle.workflow import TenantCycleWorkflow
from workflows.ids import cycle_workflow_id

LONG_AGO = datetime.now(UTC) - timedelta(days=40)


def now_hour() -> str:
    """This hour's key, taken clear of the hour's turn: the product reads the clock too (the
    scheduled trigger's hour, the per-hour caps) and must see the same hour during the test."""
    clear_of_the_hour_turn()
    return hour_key(datetime.now(UTC))


def enable(tenant: str, **agent_settings: Any) -> None:
    """The tenant exists with the agent on and the given caps/mode overrides."""
    with owner_transaction() as s:
        ensure_tenant(s, tenant)
        s.execute(
            update(Tenant)
            .where(col(Tenant.id) == tenant)
            .values(agent_enabled=True, agent_settings=agent_settings)
        )
        s.commit()


def add(*rows: SQLModel) -> None:
    with owner_transaction() as s:
        for r in rows:
            s.add(r)
            s.flush()
        s.commit()


def contact(tenant: str, email: str | None, name: str = "Pat Lee", client_id: str | None = None) -> Contact:
    """A contact created 40 days ago and never touched: overdue on its 21-day clock."""
    c = Contact(tenant_id=tenant, email=email, name=name, client_id=client_id, created_at=LONG_AGO)
    add(c)
    return c


def account(tenant: str, active: bool = True, credit_limit: str | None = "5000") -> Account:
    a = Account(
        tenant_id=tenant,
        name="Acme Lending",
        active=active,
        credit_limit=Decimal(credit_limit) if credit_limit else None,
    )
    add(a)
    return a


def product(tenant: str, code: str = "APPR", fee: str = "450", tech_fee: str = "25") -> Product:
    p = Product(tenant_id=tenant, code=code, name="Appraisal", fee=Decimal(fee), tech_fee=Decimal(tech_fee))
    add(p)
    return p


def good_order(tenant: str, client_id: str, **over: Any) -> Order:
    values: dict[str, Any] = {
        "tenant_id": tenant,
        "client_id": client_id,
        "product_code": "APPR",
        "fee_amount": Decimal("450"),
        "tech_fee": Decimal("25"),
        "total_amount": Decimal("475"),
        "billing_method": "bill",
        "property_address": "1 Main St, Springfield",
        "borrower_name": "Sam Borrower",
        "borrower_email": "sam@example.test",
        "property_contact_name": "Kim Agent",
        "property_contact_phone": "555-0100",
    }
    values.update(over)
    o = Order(**values)
    add(o)
    return o


def rows(model: type[SQLModel], **where: Any) -> list[Any]:
    with owner_transaction() as s:
        stmt = select(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return list(s.execute(stmt).scalars())


def one(model: type[SQLModel], **where: Any) -> Any:
    found = rows(model, **where)
    assert len(found) == 1, f"expected one {model.__name__} for {where}, got {len(found)}"
    return found[0]


def cycle_input(tenant: str, hour: str | None = None, **kw: Any) -> CycleInput:
    return CycleInput(tenant_id=tenant, hour=hour or now_hour(), trigger="manual", **kw)


async def run_cycle(client: Client, tenant: str, hour: str | None = None, **kw: Any) -> CycleResult:
    inp = cycle_input(tenant, hour, **kw)
    return await client.execute_workflow(
        TenantCycleWorkflow.run, inp, id=cycle_workflow_id(tenant, inp.hour), task_queue=queues.AGENT
    )


def mail_to(stack: Stack, address: str) -> list[Message]:
    """Messages the real SMTP server accepted for ``address``."""
    return [m for m in read_maildir(stack.maildir) if address in (m.get("X-Envelope-To") or "")]


def set_row(model: type[SQLModel], id_: str, **values: Any) -> None:
    with owner_transaction() as s:
        s.execute(update(model).where(model.id == id_).values(**values))  # type: ignore[attr-defined]
        s.commit()


async def wait_for(check: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    """Poll ``check`` every 0.1 s until it is true; fail naming ``what`` after ``timeout_s``."""
    for _ in range(int(timeout_s * 10)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting: {what}")
