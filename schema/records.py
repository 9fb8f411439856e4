"""What a new business record must carry (issue 12): the create models of the records the API
and the CSV import both write, so one validation judges a JSON body and a CSV row alike.

Field names are the tables' (:mod:`schema.business`). Errors are pydantic's ``ValidationError``,
whose ``loc`` names the field (the API turns it into a 400 problem detail; an import row is
rejected with ``"<field>: <message>"``). Money is ``Decimal`` with 2 places, ``>= 0``. Emails are
parsed by :func:`core.addresses.parse_address` and stored lower-cased.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from core.addresses import parse_address


def _email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    parsed = parse_address(value)
    if parsed is None:
        raise ValueError("not one valid email address")
    return parsed[0]


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


Email = Annotated[str | None, AfterValidator(_email)]
Text = Annotated[str | None, AfterValidator(_blank_to_none)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Id = Annotated[str, Field(min_length=1, max_length=64)]


class RecordIn(BaseModel):
    """Unknown fields are refused (a typo must not vanish silently)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AccountIn(RecordIn):
    """An account (``clients``). Imports dedupe on ``external_id``, else on the exact ``name``."""

    name: str = Field(min_length=1, max_length=200)
    external_id: Text = Field(default=None, max_length=200)
    domain: Text = Field(default=None, max_length=253)
    active: bool = True
    credit_limit: Money | None = None


class ContactIn(RecordIn):
    """A contact. Imports dedupe on ``email`` (required there)."""

    name: str = Field(default="", max_length=200)
    email: Email = Field(default=None, max_length=320)
    title: Text = Field(default=None, max_length=200)
    phone: Text = Field(default=None, max_length=50)
    client_id: Id | None = None


class ContactImport(ContactIn):
    """A contact row of a CSV import: a contact, plus when the tenant last contacted them in the
    system it is migrating from. ``last_contacted_at`` starts the contact's 21-day engagement clock
    there (a touch of type ``imported``, seed 004 P0.4) when it is later than the clock's last touch;
    it is not a column of ``contacts``."""

    last_contacted_at: datetime | None = None


class ProductIn(RecordIn):
    """A catalogue entry (seed 004 P0.5 "comparison against catalog"); imports dedupe on ``code``."""

    code: str = Field(min_length=1, max_length=64)
    name: str = Field(default="", max_length=200)
    fee: Money
    tech_fee: Money = Decimal("0")
    description: Text = None


OrderStatus = Literal["new", "in_progress", "delivered", "cancelled"]


class OrderIn(RecordIn):
    """An order with the fields the order processor validates (seed 004 P0.5: pricing, credit,
    requirements). Imports and webhooks dedupe on ``external_id``."""

    external_id: Text = Field(default=None, max_length=200)
    client_id: Id | None = None
    product_code: Text = Field(default=None, max_length=64)
    fee_amount: Money | None = None
    tech_fee: Money | None = None
    total_amount: Money | None = None
    billing_method: Literal["bill", "card", "prepaid"] = "bill"
    payment_status: Literal["unpaid", "paid", "partial", "refunded"] = "unpaid"
    status: OrderStatus = "new"
    property_address: Text = None
    borrower_name: Text = Field(default=None, max_length=200)
    borrower_email: Email = Field(default=None, max_length=320)
    borrower_phone: Text = Field(default=None, max_length=50)
    property_contact_name: Text = Field(default=None, max_length=200)
    property_contact_phone: Text = Field(default=None, max_length=50)
    delivered_at: datetime | None = None


class QuoteLineItem(RecordIn):
    """One line of a quote; its total is ``quantity * unit_price``."""

    product_code: Text = Field(default=None, max_length=64)
    description: str = Field(min_length=1, max_length=500)
    quantity: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    unit_price: Money


class AudienceFilter(RecordIn):
    """A campaign's audience: the tenant's active contacts with an email that match every given
    criterion (seed 004 P1.2). Empty: every such contact. Suppressed addresses are still skipped at
    send time."""

    account_ids: list[Id] | None = Field(default=None, max_length=1000)
    title_contains: Text = Field(default=None, max_length=200)
    email_domains: list[str] | None = Field(default=None, max_length=100)
    created_after: datetime | None = None

    @model_validator(mode="after")
    def _domains_lower(self) -> AudienceFilter:
        if self.email_domains is not None:
            self.email_domains = [d.strip().lower().lstrip("@") for d in self.email_domains if d.strip()]
        return self


IMPORTABLE: dict[str, type[RecordIn]] = {
    "accounts": AccountIn,
    "contacts": ContactImport,
    "products": ProductIn,
    "orders": OrderIn,
}
"""The CSV-importable entities and the model a row is validated with (issue 12, Build 2)."""
