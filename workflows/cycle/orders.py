"""The order processor's rules: pricing, credit and requirements checks of a new order
(seed 004 P0.5).

Pure: the caller loads the order, its catalog entry and the client's credit, and applies the
returned fixes. Only derived amounts (total, a missing or negative tech fee) are auto-fixed; the
fee itself never is. All money is ``Decimal`` quantized to cents.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from workflows.models import Frozen

_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")


class OrderFacts(Frozen):
    id: str
    product_code: str | None = None
    fee_amount: Decimal | None = None
    tech_fee: Decimal | None = None
    total_amount: Decimal | None = None
    billing_method: Literal["bill", "prepaid", "card"]
    """Only "bill" (invoiced on the client's credit line) is credit-checked."""
    property_address: str | None = None
    borrower_name: str | None = None
    borrower_email: str | None = None
    borrower_phone: str | None = None
    property_contact_name: str | None = None
    property_contact_phone: str | None = None


class CatalogEntry(Frozen):
    code: str
    fee: Decimal
    tech_fee: Decimal


class ClientCredit(Frozen):
    active: bool
    credit_limit: Decimal | None = None
    outstanding_balance: Decimal = _ZERO


class OrderIssue(Frozen):
    kind: Literal["pricing", "credit", "requirements"]
    code: str
    message: str


class AutoFix(Frozen):
    field: Literal["total_amount", "tech_fee"]
    old: Decimal | None
    new: Decimal
    reason: str


class OrderReview(Frozen):
    order_id: str
    issues: tuple[OrderIssue, ...] = ()
    fixes: tuple[AutoFix, ...] = ()

    @property
    def ok(self) -> bool:
        """No issues left for a human (fixes alone do not make an order not ok)."""
        return not self.issues

    @property
    def fixed(self) -> dict[str, Decimal]:
        """The auto-fixed fields and their new values, to write back to the order."""
        return {f.field: f.new for f in self.fixes}


def _q(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else _q(value)


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def review_order(
    order: OrderFacts,
    catalog: CatalogEntry | None,
    client: ClientCredit | None,
    fee_tolerance: Decimal = Decimal("0.10"),
) -> OrderReview:
    """Check a new order's pricing, credit and requirements (seed 004 P0.5).

    ``catalog`` is the entry for ``order.product_code`` (None if unknown); ``client`` the ordering
    client's credit (None if unknown); ``fee_tolerance`` the allowed relative fee deviation from
    the catalog (0.10 = 10%). Returns the issues a human must resolve and the auto-fixes applied:

    - pricing: fee missing or <= 0 (``fee_not_positive``); a missing tech fee is set to the
      catalog's (or 0.00 without one); a negative one to the catalog's, else ``tech_fee_negative``;
      a missing, below-fee or wrong total is set to fee + tech fee; ``missing_product``,
      ``unknown_product``, ``fee_differs_from_catalog`` (the fee is never auto-fixed);
    - credit (billing "bill" only): ``client_unknown``, ``client_inactive``, ``no_credit_line``,
      ``credit_limit_exceeded`` (outstanding + total, after fixes, over the limit);
    - requirements: ``missing_property_address``, ``missing_borrower_contact`` (name and an email
      or phone), ``missing_property_contact`` (name and phone).

    Raises ValueError when ``catalog.code`` is not ``order.product_code`` or the tolerance is
    negative.
    """
    if catalog is not None and catalog.code != order.product_code:
        raise ValueError(f"catalog entry {catalog.code!r} is not the order's product")
    if fee_tolerance < 0:
        raise ValueError("fee_tolerance must be >= 0")
    issues: list[OrderIssue] = []
    fixes: list[AutoFix] = []

    def issue(kind: Literal["pricing", "credit", "requirements"], code: str, message: str) -> None:
        issues.append(OrderIssue(kind=kind, code=code, message=message))

    # Pricing.
    fee = _cents(order.fee_amount)
    fee_ok = fee is not None and fee > 0  # fee is then a positive Decimal
    if not fee_ok:
        issue(
            "pricing",
            "fee_not_positive",
            f"fee is {'missing' if fee is None else _money(fee)}; must be above 0",
        )

    tech_fee = _cents(order.tech_fee)
    cat_tech = _q(catalog.tech_fee) if catalog is not None else None
    if tech_fee is None:
        new = cat_tech if cat_tech is not None else _ZERO
        source = "catalog tech fee" if cat_tech is not None else "0.00 (no catalog entry)"
        fixes.append(
            AutoFix(field="tech_fee", old=None, new=new, reason=f"tech fee missing; set to {source}")
        )
        tech_fee = new
    elif tech_fee < 0:
        if cat_tech is not None:
            fixes.append(
                AutoFix(
                    field="tech_fee",
                    old=tech_fee,
                    new=cat_tech,
                    reason=f"tech fee {_money(tech_fee)} is negative; set to catalog tech fee",
                )
            )
            tech_fee = cat_tech
        else:
            issue(
                "pricing",
                "tech_fee_negative",
                f"tech fee {_money(tech_fee)} is negative and no catalog entry",
            )

    total = _cents(order.total_amount)
    if fee_ok and fee is not None and tech_fee >= 0:
        expected = fee + tech_fee
        if total is None:
            why = "total missing"
        elif total < fee:
            why = f"total {_money(total)} is below the fee {_money(fee)}"
        elif total != expected:
            why = f"total {_money(total)} is not fee + tech fee"
        else:
            why = None
        if why is not None:
            fixes.append(
                AutoFix(
                    field="total_amount", old=total, new=expected, reason=f"{why}; set to {_money(expected)}"
                )
            )
            total = expected

    if order.product_code is None:
        issue("pricing", "missing_product", "order has no product")
    elif catalog is None:
        issue("pricing", "unknown_product", f"product {order.product_code!r} is not in the catalog")
    elif fee_ok and fee is not None:
        cat_fee = _q(catalog.fee)
        if abs(fee - cat_fee) > fee_tolerance * cat_fee:
            pct = f"{fee_tolerance:.0%}"
            message = f"fee {_money(fee)} differs from catalog fee {_money(cat_fee)} by more than {pct}"
            issue("pricing", "fee_differs_from_catalog", message)

    # Credit: only orders billed to the client's credit line.
    if order.billing_method == "bill":
        limit = _cents(client.credit_limit) if client is not None else None
        if client is None:
            issue("credit", "client_unknown", "billed order but the client is unknown")
        elif not client.active:
            issue("credit", "client_inactive", "billed order but the client is inactive")
        elif limit is None or limit <= 0:
            issue("credit", "no_credit_line", "billed order but the client has no credit line")
        elif total is not None:
            outstanding = _q(client.outstanding_balance)
            if outstanding + total > limit:
                issue(
                    "credit",
                    "credit_limit_exceeded",
                    f"total {_money(total)} exceeds available credit {_money(limit - outstanding)} "
                    f"(limit {_money(limit)}, outstanding {_money(outstanding)})",
                )

    # Requirements.
    if _blank(order.property_address):
        issue("requirements", "missing_property_address", "property address is missing")
    if _blank(order.borrower_name) or (_blank(order.borrower_email) and _blank(order.borrower_phone)):
        issue("requirements", "missing_borrower_contact", "borrower name and an email or phone are required")
    if _blank(order.property_contact_name) or _blank(order.property_contact_phone):
        issue("requirements", "missing_property_contact", "property contact name and phone are required")

    return OrderReview(order_id=order.id, issues=tuple(issues), fixes=tuple(fixes))
