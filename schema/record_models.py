"""Create models of the records only the API writes (issue 12, Build 1): quotes, deals, campaigns,
goals; and :func:`partial`, the update (PATCH) model of any create model.

Same rules as :mod:`schema.records`: unknown fields refused, errors name the field. A quote's
``amount`` is the sum of its line items (seed 004 P1.5); a campaign's templates may use only the
known placeholders (:mod:`workflows.campaign_templates`) and its send window is ``[start, end)``
hours UTC (seed 004 P1.2); a goal's period ends after it starts.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model, model_validator
from pydantic.fields import FieldInfo

from schema.records import AudienceFilter, Id, Money, QuoteLineItem, RecordIn, Text
from workflows import campaign_templates


class QuoteIn(RecordIn):
    """A draft quote. ``amount``: the line items' total when there are line items (a given amount
    that differs is refused), else as given. Sending is ``POST /api/quotes/{id}/send``."""

    title: Text = Field(default=None, max_length=200)
    client_id: Id | None = None
    contact_id: Id | None = None
    line_items: list[QuoteLineItem] | None = Field(default=None, max_length=200)
    amount: Money | None = None
    valid_until: datetime | None = None

    @model_validator(mode="after")
    def _amount(self) -> QuoteIn:
        if self.line_items:
            total = sum((li.quantity * li.unit_price for li in self.line_items), Decimal(0)).quantize(
                Decimal("0.01")
            )
            if self.amount is not None and self.amount != total:
                raise ValueError(f"amount: {self.amount} is not the line items' total {total}")
            self.amount = total
        return self


class DealIn(RecordIn):
    """A deal (seed 004 P1.4). Its stage is changed through ``POST /api/deals/{id}/stage`` once it
    is tracked; here it is the starting stage."""

    title: str = Field(min_length=1, max_length=200)
    client_id: Id | None = None
    contact_id: Id | None = None
    stage: str = Field(default="lead", min_length=1, max_length=40)
    value: Money | None = None
    expected_close_at: datetime | None = None
    auto_follow_up_enabled: bool = True


class CampaignIn(RecordIn):
    """A broadcast (seed 004 P1.2): templates, audience, send window, schedule and batch size."""

    name: str = Field(min_length=1, max_length=200)
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=20_000)
    audience: AudienceFilter = Field(default_factory=AudienceFilter)
    scheduled_at: datetime
    batch_size: int = Field(default=50, ge=1, le=500)
    send_window_start_hour: int | None = Field(default=None, ge=0, le=23)
    send_window_end_hour: int | None = Field(default=None, ge=0, le=23)

    @model_validator(mode="after")
    def _templates_and_window(self) -> CampaignIn:
        for name in ("subject", "body"):
            bad = campaign_templates.unknown(getattr(self, name))
            if bad:
                raise ValueError(f"{name}: unknown placeholder(s) {', '.join(bad)}")
        start, end = self.send_window_start_hour, self.send_window_end_hour
        if (start is None) != (end is None) or (start is not None and start == end):
            raise ValueError("send_window_start_hour: give both hours, and different ones")
        return self


class GoalIn(RecordIn):
    """An orders or revenue goal for a period; pace is pro rata over it."""

    metric: Literal["orders", "revenue"]
    target: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    period_start: datetime
    period_end: datetime
    name: Text = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _period(self) -> GoalIn:
        if self.period_end <= self.period_start:
            raise ValueError("period_end: must be after period_start")
        return self


@cache
def partial(model: type[RecordIn]) -> type[RecordIn]:
    """``model`` with every field optional and no default (PATCH: only the fields sent change);
    field constraints kept. Model-level rules run again on the merged record (the service)."""
    fields: dict[str, Any] = {}
    for name, f in model.model_fields.items():
        info = FieldInfo.merge_field_infos(f, default=None, default_factory=None)
        fields[name] = (f.annotation | None, info)  # type: ignore[operator]
    return create_model(f"{model.__name__[:-2]}Update", __base__=RecordIn, **fields)


def view_model(
    table: type[BaseModel], exclude: frozenset[str] = frozenset(), name: str = ""
) -> type[BaseModel]:
    """A response model with the table's columns (``exclude`` left out: tokens, internals)."""
    fields: dict[str, Any] = {
        n: (f.annotation, None) for n, f in table.model_fields.items() if n not in exclude
    }
    return create_model(name or f"{table.__name__}View", **fields)


ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"in_progress", "cancelled"}),
    "in_progress": frozenset({"delivered", "cancelled"}),
    "delivered": frozenset(),
    "cancelled": frozenset(),
}
"""An order's business status moves only along these edges; delivered and cancelled are final."""


class OrderTransition(RecordIn):
    status: Literal["new", "in_progress", "delivered", "cancelled"]
    reason: Text = Field(default=None, max_length=500)


class OrderDocumentIn(RecordIn):
    """A document an order has or needs (seed 004 ``order_documents``): metadata; the file itself
    goes to the documents library."""

    kind: Literal["engagement_letter", "appraisal_report", "invoice", "contract", "other"]
    filename: Text = Field(default=None, max_length=300)
    mime_type: Text = Field(default=None, max_length=100)
    size_bytes: int | None = Field(default=None, ge=0)
    required: bool = False
    received_at: datetime | None = None
