"""The one write path of imports and webhooks (schema/repositories/record_upserts.py), on the real
database as the application role: natural keys, outcomes, dry runs, references, re-review of a
changed order, and the engagement clock an imported contact brings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from schema.agent import EngagementClock
from schema.business import Client, Contact, Order
from schema.db import engine_for, owner_transaction, tenant_transaction
from schema.records import AccountIn, ContactImport, OrderIn
from schema.repositories.record_upserts import RecordRejected, lock_entity, upsert_record
from schema.repositories.tenants import ensure_tenant


@pytest.fixture
def t(infra: Any) -> str:
    tenant = f"ups-{uuid.uuid4().hex[:8]}"
    with owner_transaction() as s:
        ensure_tenant(s, tenant)
        s.commit()
    return tenant


def _up(t: str, entity: str, rec: Any, **kw: Any) -> tuple[str, str | None]:
    from core.settings import get_settings

    with tenant_transaction(engine_for(get_settings().database.url), t) as s:
        lock_entity(s, t, entity)
        return upsert_record(s, t, entity, rec, **kw)


def _count(t: str, model: Any) -> int:
    with owner_transaction() as s:
        return int(
            s.execute(select(func.count()).select_from(model).where(model.tenant_id == t)).scalar_one()
        )


def test_a_contact_is_created_once_then_unchanged_then_updated_by_email(t: str) -> None:
    rec = ContactImport(name="Pat Lee", email="Pat@Example.TEST")
    created, cid = _up(t, "contacts", rec)
    assert created == "created" and cid
    assert _up(t, "contacts", ContactImport(name="Pat Lee", email="pat@example.test")) == ("unchanged", cid)
    assert _up(t, "contacts", ContactImport(name="Pat Q. Lee", email="pat@example.test")) == ("updated", cid)
    assert _count(t, Contact) == 1
    with owner_transaction() as s:
        row = s.get(Contact, cid)
        assert row is not None and row.name == "Pat Q. Lee" and row.email == "pat@example.test"
        assert row.updated_at is not None


def test_a_dry_run_reports_the_decision_and_writes_nothing(t: str) -> None:
    assert _up(t, "accounts", AccountIn(name="Acme", external_id="A1"), dry_run=True) == ("created", None)
    assert _count(t, Client) == 0
    _, aid = _up(t, "accounts", AccountIn(name="Acme", external_id="A1"))
    assert _up(t, "accounts", AccountIn(name="Acme Inc", external_id="A1"), dry_run=True) == ("updated", aid)
    with owner_transaction() as s:
        assert s.get(Client, aid).name == "Acme"  # type: ignore[union-attr]


def test_missing_keys_and_foreign_references_are_rejected_naming_the_field(t: str) -> None:
    with pytest.raises(RecordRejected) as e:
        _up(t, "contacts", ContactImport(name="No Mail"))
    assert e.value.field == "email"
    with pytest.raises(RecordRejected) as e:
        _up(t, "orders", OrderIn(fee_amount=Decimal(1)))
    assert e.value.field == "external_id"
    other = f"ups-{uuid.uuid4().hex[:8]}"
    with owner_transaction() as s:
        ensure_tenant(s, other)
        s.add(Client(id=f"{other}-acct", tenant_id=other, name="Theirs"))
        s.commit()
    with pytest.raises(RecordRejected) as e:
        _up(t, "orders", OrderIn(external_id="O1", client_id=f"{other}-acct"))
    assert e.value.field == "client_id"
    assert _count(t, Order) == 0


def test_a_changed_order_goes_back_to_review_and_a_status_change_does_not(t: str) -> None:
    _, oid = _up(t, "orders", OrderIn(external_id="O1", fee_amount=Decimal(450)), source="webhook")
    with owner_transaction() as s:
        row = s.get(Order, oid)
        assert row is not None and row.source == "webhook" and row.processing_status == "new"
        row.processing_status = "validated"
        s.commit()
    _up(t, "orders", OrderIn(external_id="O1", fee_amount=Decimal(450), status="in_progress"))
    with owner_transaction() as s:
        assert s.get(Order, oid).processing_status == "validated"  # type: ignore[union-attr]
    assert _up(t, "orders", OrderIn(external_id="O1", fee_amount=Decimal(500))) == ("updated", oid)
    with owner_transaction() as s:
        assert s.get(Order, oid).processing_status == "new"  # type: ignore[union-attr]


def test_an_imported_last_contact_date_starts_the_engagement_clock_only_forwards(t: str) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=30)
    _, cid = _up(t, "contacts", ContactImport(email="jo@example.test", last_contacted_at=long_ago))

    def last_touch() -> datetime | None:
        with owner_transaction() as s:
            return s.execute(
                select(EngagementClock.last_touch_at).where(col(EngagementClock.contact_id) == cid)
            ).scalar()

    assert last_touch() == long_ago
    older = long_ago - timedelta(days=5)
    assert (
        _up(t, "contacts", ContactImport(email="jo@example.test", last_contacted_at=older))[0] == "unchanged"
    )
    assert last_touch() == long_ago
    newer = long_ago + timedelta(days=5)
    jo_newer = ContactImport(email="jo@example.test", last_contacted_at=newer)
    assert _up(t, "contacts", jo_newer, dry_run=True)[0] == "updated"  # what the import will say
    assert last_touch() == long_ago  # and the dry run touched nothing
    assert _up(t, "contacts", jo_newer)[0] == "updated"
    assert last_touch() == newer
