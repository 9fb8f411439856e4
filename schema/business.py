"""The tenant's business data the hourly cycle reads and acts on (seed 004 "Operating Loop").

The seeds' TypeScript system already had these tables (clients, contacts, orders, deals, quotes,
campaigns, Gmail messages); we keep the columns the cycle uses. Ids are text (uuid hex by default)
and every row carries ``tenant_id``. Money is ``Numeric(12, 2)``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Numeric, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from schema.inbox import InboundMessage as InboundMessage  # re-exported; lives in schema/inbox.py
from schema.tables import _ts, new_id, tenant_fk, tenant_unique


def _money(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(Numeric(12, 2), nullable=nullable))


class Client(SQLModel, table=True):
    """An account (the seeds' ``clients``): credit terms for bill orders (seed 004 P0.5)."""

    __tablename__ = "clients"
    __table_args__ = (
        tenant_unique("clients"),
        UniqueConstraint("tenant_id", "external_id", name="uq_client_tenant_external"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    name: str = Field(max_length=200)
    active: bool = True
    credit_limit: Decimal | None = _money()
    external_id: str | None = Field(default=None, max_length=200)
    """The account's id in the host application (imports dedupe on it, issue 12)."""
    domain: str | None = Field(default=None, max_length=253)
    """The account's email domain (contact discovery, seed 004 P1.6)."""
    created_at: datetime = _ts(nullable=False, default=True)
    updated_at: datetime | None = _ts()
    archived_at: datetime | None = _ts()


class Contact(SQLModel, table=True):
    """A person at an account. ``email`` is stored lower-cased and is unique per tenant (imports
    dedupe contacts on it, issue 12)."""

    __tablename__ = "contacts"
    __table_args__ = (
        tenant_unique("contacts"),
        tenant_fk("contacts", "client_id", "clients"),
        UniqueConstraint("tenant_id", "email", name="uq_contact_tenant_email"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    client_id: str | None = Field(default=None, index=True, max_length=64)
    name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=320)
    title: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=50)
    created_at: datetime = _ts(nullable=False, default=True)
    updated_at: datetime | None = _ts()
    archived_at: datetime | None = _ts()
    # enrichment from signatures (issue 13 Build 7, migration 0020; sources: contact_field_sources)
    company: str | None = Field(default=None, max_length=200)
    linkedin_url: str | None = Field(default=None, max_length=300)
    address: str | None = Field(default=None, max_length=300)


class Product(SQLModel, table=True):
    """The product catalogue orders are priced against (seed 004 P0.5 "comparison against catalog")."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_product_tenant_code"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    code: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    fee: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    tech_fee: Decimal = Field(default=Decimal("0"), sa_column=Column(Numeric(12, 2), nullable=False))
    description: str | None = None
    created_at: datetime | None = _ts(default=True)
    updated_at: datetime | None = _ts()
    archived_at: datetime | None = _ts()


class Order(SQLModel, table=True):
    """An order. ``processing_status``: new → validated | exception (seed 004 P0.5)."""

    __tablename__ = "orders"
    __table_args__ = (
        tenant_unique("orders"),
        tenant_fk("orders", "client_id", "clients"),
        UniqueConstraint("tenant_id", "external_id", name="uq_order_tenant_external"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    client_id: str | None = Field(default=None, max_length=64)
    product_code: str | None = Field(default=None, max_length=64)
    fee_amount: Decimal | None = _money()
    tech_fee: Decimal | None = _money()
    total_amount: Decimal | None = _money()
    billing_method: str = Field(default="bill", max_length=20)
    payment_status: str = Field(default="unpaid", max_length=20)
    status: str = Field(default="new", max_length=30)
    """The order's business status (new, in_progress, delivered, cancelled)."""
    processing_status: str = Field(default="new", max_length=20, index=True)
    property_address: str | None = None
    borrower_name: str | None = Field(default=None, max_length=200)
    borrower_email: str | None = Field(default=None, max_length=320)
    borrower_phone: str | None = Field(default=None, max_length=50)
    property_contact_name: str | None = Field(default=None, max_length=200)
    property_contact_phone: str | None = Field(default=None, max_length=50)
    delivered_at: datetime | None = _ts()
    external_id: str | None = Field(default=None, max_length=200)
    """The order's id in the host application: imports and webhooks are idempotent on it (issue 12)."""
    source: str = Field(default="api", max_length=20)
    """Where the order came from: api, import, webhook."""
    created_at: datetime = _ts(nullable=False, default=True)
    updated_at: datetime | None = _ts()
    archived_at: datetime | None = _ts()


class Goal(SQLModel, table=True):
    """An order or revenue goal for a period; pace is pro rata over the period (seed 004 Overview)."""

    __tablename__ = "goals"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    metric: str = Field(max_length=20)
    target: Decimal = Field(sa_column=Column(Numeric(14, 2), nullable=False))
    period_start: datetime = _ts(nullable=False)
    period_end: datetime = _ts(nullable=False)
    name: str | None = Field(default=None, max_length=200)
    created_at: datetime | None = _ts(default=True)
    updated_at: datetime | None = _ts()
    archived_at: datetime | None = _ts()


class Deal(SQLModel, table=True):
    """A deal/opportunity (seed 004 P1.4 columns)."""

    __tablename__ = "deals"
    __table_args__ = (
        tenant_unique("deals"),
        tenant_fk("deals", "client_id", "clients"),
        tenant_fk("deals", "contact_id", "contacts"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    client_id: str | None = Field(default=None, max_length=64)
    contact_id: str | None = Field(default=None, max_length=64)
    title: str = Field(max_length=200)
    stage: str = Field(default="lead", max_length=40)
    value: Decimal | None = _money()
    status: str = Field(default="open", max_length=20)
    last_activity_at: datetime | None = _ts()
    stalled_at: datetime | None = _ts()
    auto_follow_up_enabled: bool = True
    next_follow_up_at: datetime | None = _ts()
    follow_up_count: int = 0
    priority: str = Field(default="normal", max_length=10)
    """normal, or high after 3 follow-ups without activity (seed 004 P1.4)."""
    stage_entered_at: datetime | None = _ts()
    expected_close_at: datetime | None = _ts()
    created_at: datetime = _ts(nullable=False, default=True)
    updated_at: datetime | None = _ts()
    archived_at: datetime | None = _ts()


class Quote(SQLModel, table=True):
    """A quote/bid (seed 004 P1.5): draft → sent → viewed → accepted | rejected | expired."""

    __tablename__ = "quotes"
    __table_args__ = (
        tenant_unique("quotes"),
        tenant_fk("quotes", "client_id", "clients"),
        tenant_fk("quotes", "contact_id", "contacts"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    client_id: str | None = Field(default=None, max_length=64)
    contact_id: str | None = Field(default=None, max_length=64)
    status: str = Field(default="draft", max_length=20)
    amount: Decimal | None = _money()
    sent_at: datetime | None = _ts()
    follow_up_count: int = 0
    next_follow_up_at: datetime | None = _ts()
    view_token: str | None = Field(default=None, unique=True, max_length=64)
    """The tracked-link token (``GET /t/q/{token}`` counts as viewed)."""
    viewed_at: datetime | None = _ts()
    decided_at: datetime | None = _ts()
    outcome_reason: str | None = None
    """Why it was won or lost (seed 004 P1.5 "win/loss reason captured")."""
    title: str | None = Field(default=None, max_length=200)
    line_items: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSONB))
    """``[{"product_code", "description", "quantity", "unit_price"}]`` (seed 004 P1.5 "quote with
    line items"); ``amount`` is their sum (:class:`schema.records.QuoteLineItem`)."""
    valid_until: datetime | None = _ts()
    created_at: datetime = _ts(nullable=False, default=True)
    updated_at: datetime | None = _ts()
    archived_at: datetime | None = _ts()


class Campaign(SQLModel, table=True):
    """A broadcast (seed 004 P1.2): scheduled → in_progress → completed."""

    __tablename__ = "campaigns"
    __table_args__ = (tenant_unique("campaigns"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    name: str = Field(max_length=200)
    subject: str = Field(max_length=300)
    body: str
    status: str = Field(default="scheduled", max_length=20)
    scheduled_at: datetime = _ts(nullable=False)
    batch_size: int = 50
    completed_at: datetime | None = _ts()
    audience: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    """A segment filter over the tenant's contacts (:class:`schema.records.AudienceFilter`);
    None: the pending rows already in ``campaign_contact_status``."""
    send_window_start_hour: int | None = None
    send_window_end_hour: int | None = None
    """Sends only in ``[start, end)`` hours UTC (wrapping past midnight when start > end); None: any hour."""
    created_at: datetime | None = _ts(default=True)
    updated_at: datetime | None = _ts()
    archived_at: datetime | None = _ts()


class CampaignContactStatus(SQLModel, table=True):
    """Per-contact delivery status of a campaign: pending, sent, dry_run, skipped, failed."""

    __tablename__ = "campaign_contact_status"
    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id", name="uq_campaign_contact"),
        tenant_fk("campaign_contact_status", "campaign_id", "campaigns"),
        tenant_fk("campaign_contact_status", "contact_id", "contacts"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    campaign_id: str = Field(index=True, max_length=64)
    contact_id: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=20)
    outbox_key: str | None = Field(default=None, max_length=300)
    detail: str | None = None
    updated_at: datetime | None = _ts()


class ComplianceCheck(SQLModel, table=True):
    """A profile verification check (seed 004 P1.7); generated by compliance schedules."""

    __tablename__ = "compliance_checks"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    schedule_id: str | None = Field(default=None, max_length=64)
    entity_type: str = Field(max_length=20)
    entity_id: str = Field(max_length=64)
    due_at: datetime = _ts(nullable=False)
    status: str = Field(default="pending", max_length=20)
    """pending → notified → overdue → escalated; ends completed or waived."""
    missing_fields: list[str] | None = Field(default=None, sa_column=Column(JSONB))
    reminders: int = 0
    escalated_at: datetime | None = _ts()
    waiver_reason: str | None = None
    completed_at: datetime | None = _ts()
    workflow_id: str | None = Field(default=None, max_length=200)
