"""Idempotent upserts of business records by their natural key (issue 12, Builds 2 and 3): the one
write path of CSV imports and order webhooks.

Natural keys: accounts ``external_id``, else the exact ``name``; contacts ``email`` (required);
products ``code``; orders ``external_id`` (required). The caller holds :func:`lock_entity` for the
tenant and entity for the rest of its transaction, so two imports (or an import and a webhook)
never both insert the same key.

Outcomes: ``created``, ``updated`` (some field changed) or ``unchanged``; with ``dry_run`` nothing
is written and the outcome is what would happen (a dry-run create has no record id). A reference
to a record the tenant does not have raises :class:`RecordRejected` naming the field. An updated
order whose validated fields changed goes back to ``processing_status = "new"``, so the next
hourly cycle's order processor reviews it again (seed 004 P0.5).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col

from schema.agent import EngagementClock
from schema.business import Client, Contact, Order, Product
from schema.records import AccountIn, ContactIn, OrderIn, ProductIn, RecordIn
from schema.repositories import engagement
from schema.repositories.tenants import ensure_tenant

Outcome = Literal["created", "updated", "unchanged"]
TABLES: dict[str, type[SQLModel]] = {
    "accounts": Client,
    "contacts": Contact,
    "products": Product,
    "orders": Order,
}
REVIEWED = frozenset(OrderIn.model_fields) - {"external_id", "status", "payment_status", "delivered_at"}
"""Order fields the order processor's review reads: changing one sends the order back to review."""


class RecordRejected(ValueError):
    """A row that cannot be written as given: ``field`` and a message safe to show the tenant."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def lock_entity(s: Session, tenant_id: str, entity: str) -> None:
    """Serialize writers of ``entity`` for ``tenant_id`` until the transaction ends (and make
    sure the tenant exists: tenants are created on their first write)."""
    ensure_tenant(s, tenant_id)
    s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"records|{tenant_id}|{entity}"})


def _existing(s: Session, tenant_id: str, entity: str, rec: RecordIn) -> Any:
    model = TABLES[entity]
    q = select(model).where(col(model.tenant_id) == tenant_id)  # type: ignore[attr-defined]
    if isinstance(rec, AccountIn):
        key = col(Client.external_id) == rec.external_id if rec.external_id else col(Client.name) == rec.name
        return s.execute(q.where(key).order_by(Client.created_at).limit(1)).scalar()
    if isinstance(rec, ContactIn):
        if rec.email is None:
            raise RecordRejected("email", "required to import a contact (the dedupe key)")
        return s.execute(q.where(func.lower(Contact.email) == rec.email)).scalar()
    if isinstance(rec, ProductIn):
        return s.execute(q.where(col(Product.code) == rec.code)).scalar()
    if isinstance(rec, OrderIn):
        if rec.external_id is None:
            raise RecordRejected("external_id", "required to import an order (the dedupe key)")
        return s.execute(q.where(col(Order.external_id) == rec.external_id)).scalar()
    raise TypeError(f"not importable: {type(rec).__name__}")


def _check_refs(s: Session, tenant_id: str, rec: RecordIn) -> None:
    client_id = getattr(rec, "client_id", None)
    if client_id is not None:
        found = s.execute(
            select(Client.id).where(col(Client.tenant_id) == tenant_id, col(Client.id) == client_id)
        ).scalar()
        if found is None:
            raise RecordRejected("client_id", f"no account {client_id!r}")


def _touch_from_import(s: Session, tenant_id: str, contact_id: str, at: datetime | None, source: str) -> bool:
    """Start the engagement clock at ``at`` unless it already has a later touch; True if it did."""
    if at is None:
        return False
    last = s.execute(
        select(EngagementClock.last_touch_at).where(
            col(EngagementClock.tenant_id) == tenant_id, col(EngagementClock.contact_id) == contact_id
        )
    ).scalar()
    if last is not None and last >= at:
        return False
    engagement.touch(s, tenant_id, contact_id, at, "imported", source)
    return True


def upsert_record(
    s: Session, tenant_id: str, entity: str, rec: RecordIn, *, source: str = "import", dry_run: bool = False
) -> tuple[Outcome, str | None]:
    """Create or update the tenant's record of ``entity`` (a :data:`TABLES` key) matching
    ``rec``'s natural key; returns the outcome and the record id. Raises :class:`RecordRejected`."""
    _check_refs(s, tenant_id, rec)
    row = _existing(s, tenant_id, entity, rec)
    touched_at = getattr(rec, "last_contacted_at", None)
    values = rec.model_dump(exclude_unset=True, exclude={"last_contacted_at"})
    now = datetime.now(UTC)
    if row is None:
        if dry_run:
            return "created", None
        extra: dict[str, Any] = {"source": source} if entity == "orders" else {}
        row = TABLES[entity](tenant_id=tenant_id, **rec.model_dump(exclude={"last_contacted_at"}), **extra)
        s.add(row)
        s.flush()
        _touch_from_import(s, tenant_id, str(row.id), touched_at, source)
        return "created", str(row.id)
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not dry_run and _touch_from_import(s, tenant_id, str(row.id), touched_at, source):
        changed["last_contacted_at"] = touched_at
    if not changed:
        return "unchanged", str(row.id)
    changed.pop("last_contacted_at", None)
    if not dry_run:
        for k, v in changed.items():
            setattr(row, k, v)
        row.updated_at = now
        if entity == "orders" and REVIEWED & changed.keys() and row.status not in ("delivered", "cancelled"):
            row.processing_status = "new"
        s.flush()
    return "updated", str(row.id)
