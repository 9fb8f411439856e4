"""Every record type of the business-data API (issue 12, Build 1): its repository spec, create,
update and response models, and route path. Paths: ``/api/{plural}``; operation ids
``list{Plural}``, ``create{Name}``, ``get{Name}``, ``update{Name}``, ``archive{Name}``."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from schema.business import Campaign, Client, Contact, Deal, Goal, Order, Product, Quote
from schema.record_models import CampaignIn, DealIn, GoalIn, QuoteIn, partial, view_model
from schema.records import AccountIn, ContactIn, OrderIn, ProductIn, RecordIn
from schema.repositories.records import RecordSpec


@dataclass(frozen=True)
class RecordApi:
    spec: RecordSpec
    title: str
    """The name in operation ids (``Account``) and its plural (``title + "s"``)."""
    create: type[RecordIn]
    update: type[RecordIn]
    view: type[BaseModel]
    frozen: frozenset[str] = frozenset()
    """Fields an update may not change (an order's status: ``POST /api/orders/{id}/status``)."""

    @property
    def path(self) -> str:
        return f"/api/{self.spec.plural}"


def _api(
    spec: RecordSpec, title: str, create: type[RecordIn], frozen: frozenset[str] = frozenset()
) -> RecordApi:
    view = view_model(spec.table, spec.hidden, f"{title}Record")
    return RecordApi(spec, title, create, partial(create), view, frozen)


_BY_ACCOUNT: dict[str, type] = {"client_id": Client}
_REFS: dict[str, type] = {"client_id": Client, "contact_id": Contact}

RECORDS: tuple[RecordApi, ...] = (
    _api(
        RecordSpec(
            "account",
            "accounts",
            Client,
            {"name": ("name", "contains"), "active": ("active", "eq"), "external_id": ("external_id", "eq")},
            ("created_at", "name"),
        ),
        "Account",
        AccountIn,
    ),
    _api(
        RecordSpec(
            "contact",
            "contacts",
            Contact,
            {"client_id": ("client_id", "eq"), "email": ("email", "eq"), "name": ("name", "contains")},
            ("created_at", "name"),
            _BY_ACCOUNT,
        ),
        "Contact",
        ContactIn,
    ),
    _api(
        RecordSpec(
            "product",
            "products",
            Product,
            {"code": ("code", "eq"), "name": ("name", "contains")},
            ("code", "name"),
        ),
        "Product",
        ProductIn,
    ),
    _api(
        RecordSpec(
            "order",
            "orders",
            Order,
            {
                "status": ("status", "eq"),
                "processing_status": ("processing_status", "eq"),
                "client_id": ("client_id", "eq"),
                "external_id": ("external_id", "eq"),
                "created_after": ("created_at", "gte"),
                "created_before": ("created_at", "lte"),
            },
            ("created_at",),
            _BY_ACCOUNT,
        ),
        "Order",
        OrderIn,
        frozenset({"status"}),
    ),
    _api(
        RecordSpec(
            "quote",
            "quotes",
            Quote,
            {
                "status": ("status", "eq"),
                "contact_id": ("contact_id", "eq"),
                "client_id": ("client_id", "eq"),
            },
            ("created_at",),
            _REFS,
            frozenset({"view_token"}),
        ),
        "Quote",
        QuoteIn,
    ),
    _api(
        RecordSpec(
            "deal",
            "deals",
            Deal,
            {"stage": ("stage", "eq"), "status": ("status", "eq"), "client_id": ("client_id", "eq")},
            ("created_at", "title"),
            _REFS,
        ),
        "Deal",
        DealIn,
    ),
    _api(
        RecordSpec("campaign", "campaigns", Campaign, {"status": ("status", "eq")}, ("scheduled_at", "name")),
        "Campaign",
        CampaignIn,
    ),
    _api(
        RecordSpec(
            "goal",
            "goals",
            Goal,
            {"metric": ("metric", "eq"), "active_at_after": ("period_end", "gte")},
            ("period_start",),
        ),
        "Goal",
        GoalIn,
    ),
)
"""The record types, in route order."""
