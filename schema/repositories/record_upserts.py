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

from sqlalchemy import select, text
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


def _key(entity: str, rec: RecordIn) -> tuple[str, Any]:
    """The natural key ``(column, value)`` of ``rec``; RecordRejected when it has none."""
    if isinstance(rec, AccountIn):
        return ("external_id", rec.external_id) if rec.external_id else ("name", rec.name)
    if isinstance(rec, ContactIn):
        if rec.email is None:
            raise RecordRejected("email", "required to import a contact (the dedupe key)")
        return "email", rec.email
    if isinstance(rec, ProductIn):
        return "code", rec.code
    if isinstance(rec, OrderIn):
        if rec.external_id is None:
            raise RecordRejected("external_id", "required to import an order (the dedupe key)")
        return "external_id", rec.external_id
    raise TypeError(f"not importable: {type(rec).__name__}")


def _known_accounts(s: Session, tenant_id: str, recs: list[RecordIn]) -> set[str]:
    wanted = {c for r in recs if (c := getattr(r, "client_id", None)) is not None}
    if not wanted:
        return set()
    q = select(Client.id).where(col(Client.tenant_id) == tenant_id, col(Client.id).in_(wanted))
    return set(s.execute(q).scalars())


def _existing(
    s: Session, tenant_id: str, entity: str, keys: list[tuple[str, Any]]
) -> dict[tuple[str, Any], Any]:
    """The tenant's records matching ``keys``, by key, in one query per key column (the oldest
    record when an account name matches several)."""
    model: Any = TABLES[entity]
    by_column: dict[str, set[Any]] = {}
    for column, value in keys:
        by_column.setdefault(column, set()).add(value)
    found: dict[tuple[str, Any], Any] = {}
    for column, values in by_column.items():
        q = (
            select(model)
            .where(col(model.tenant_id) == tenant_id, col(getattr(model, column)).in_(values))
            .order_by(model.created_at, model.id)
        )
        for row in s.execute(q).scalars():
            found.setdefault((column, getattr(row, column)), row)
    return found


def _touch_from_import(
    s: Session, tenant_id: str, contact_id: str, at: datetime | None, source: str, dry_run: bool = False
) -> bool:
    """Start the engagement clock at ``at`` unless it already has a later touch; True if it did
    (with ``dry_run``: if it would, touching nothing, so a dry run's outcome is the import's)."""
    if at is None:
        return False
    last = s.execute(
        select(EngagementClock.last_touch_at).where(
            col(EngagementClock.tenant_id) == tenant_id, col(EngagementClock.contact_id) == contact_id
        )
    ).scalar()
    if last is not None and last >= at:
        return False
    if not dry_run:
        engagement.touch(s, tenant_id, contact_id, at, "imported", source)
    return True


Result = tuple[Outcome, str | None] | RecordRejected


def upsert_records(
    s: Session,
    tenant_id: str,
    entity: str,
    recs: list[RecordIn],
    *,
    source: str = "import",
    dry_run: bool = False,
) -> list[Result]:
    """Create or update the tenant's records of ``entity`` (a :data:`TABLES` key) matching each
    record's natural key, as one batch: one query for references, one per key column for existing
    records, one flush for every insert and update. Keys must be distinct within ``recs`` (imports
    reject in-file duplicates first). Returns, in order, (outcome, record id) or the
    :class:`RecordRejected` of each record."""
    results: list[Result | None] = [None] * len(recs)
    known = _known_accounts(s, tenant_id, recs)
    keyed: list[tuple[int, RecordIn, tuple[str, Any]]] = []
    for i, rec in enumerate(recs):
        client_id = getattr(rec, "client_id", None)
        try:
            if client_id is not None and client_id not in known:
                raise RecordRejected("client_id", f"no account {client_id!r}")
            keyed.append((i, rec, _key(entity, rec)))
        except RecordRejected as e:
            results[i] = e
    existing = _existing(s, tenant_id, entity, [k for _, _, k in keyed])
    now = datetime.now(UTC)
    touches: list[tuple[int, Any, datetime]] = []
    for i, rec, key in keyed:
        touched_at = getattr(rec, "last_contacted_at", None)
        row = existing.get(key)
        if row is None:
            if dry_run:
                results[i] = ("created", None)
                continue
            extra: dict[str, Any] = {"source": source} if entity == "orders" else {}
            row = TABLES[entity](
                tenant_id=tenant_id, **rec.model_dump(exclude={"last_contacted_at"}), **extra
            )
            s.add(row)
            results[i] = ("created", str(row.id))
            if touched_at is not None:
                touches.append((i, row, touched_at))
            continue
        values = rec.model_dump(exclude_unset=True, exclude={"last_contacted_at"})
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if changed and not dry_run:
            for k, v in changed.items():
                setattr(row, k, v)
            row.updated_at = now
            if (
                entity == "orders"
                and REVIEWED & changed.keys()
                and row.status not in ("delivered", "cancelled")
            ):
                row.processing_status = "new"
        results[i] = ("updated" if changed else "unchanged", str(row.id))
        if touched_at is not None:  # a dry run asks too: an import that moves the clock updates
            touches.append((i, row, touched_at))
    s.flush()
    for i, row, at in touches:
        if _touch_from_import(s, tenant_id, str(row.id), at, source, dry_run) and results[i] == (
            "unchanged",
            str(row.id),
        ):
            results[i] = ("updated", str(row.id))
    return [r for r in results if r is not None]


def upsert_record(
    s: Session, tenant_id: str, entity: str, rec: RecordIn, *, source: str = "import", dry_run: bool = False
) -> tuple[Outcome, str | None]:
    """One record through :func:`upsert_records`; raises its :class:`RecordRejected`."""
    [result] = upsert_records(s, tenant_id, entity, [rec], source=source, dry_run=dry_run)
    if isinstance(result, RecordRejected):
        raise result
    return result
