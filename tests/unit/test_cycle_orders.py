"""The order processor's rules (seed 004 P0.5): one test per issue class and per auto-fix."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from workflows.cycle.orders import CatalogEntry, ClientCredit, OrderFacts, OrderReview, review_order

CATALOG = CatalogEntry(code="FULL", fee=D("450.00"), tech_fee=D("25.00"))
CLIENT = ClientCredit(active=True, credit_limit=D("5000.00"), outstanding_balance=D("1000.00"))


def order(**kw: object) -> OrderFacts:
    base: dict[str, object] = {
        "id": "o1",
        "product_code": "FULL",
        "fee_amount": D("450.00"),
        "tech_fee": D("25.00"),
        "total_amount": D("475.00"),
        "billing_method": "bill",
        "property_address": "1 Main St, Springfield",
        "borrower_name": "Ann Lee",
        "borrower_email": "ann@example.com",
        "borrower_phone": None,
        "property_contact_name": "Bob Lee",
        "property_contact_phone": "555-0100",
    }
    return OrderFacts(**(base | kw))


def codes(review: OrderReview) -> list[str]:
    return [i.code for i in review.issues]


def test_clean_order_is_ok() -> None:
    r = review_order(order(), CATALOG, CLIENT)
    assert r.ok and r.issues == () and r.fixes == () and r.fixed == {} and r.order_id == "o1"


# --- pricing issues --------------------------------------------------------------------------


@pytest.mark.parametrize("fee", [None, D("0"), D("-10")])
def test_fee_not_positive(fee: D | None) -> None:
    r = review_order(order(fee_amount=fee), CATALOG, CLIENT)
    assert "fee_not_positive" in codes(r) and not r.ok
    assert all(f.field != "total_amount" for f in r.fixes)


def test_negative_tech_fee_without_catalog_is_an_issue() -> None:
    r = review_order(order(product_code="X", tech_fee=D("-5")), None, CLIENT)
    assert "tech_fee_negative" in codes(r)
    assert "tech_fee" not in r.fixed and "total_amount" not in r.fixed


def test_missing_product() -> None:
    r = review_order(order(product_code=None), None, CLIENT)
    assert codes(r) == ["missing_product"]


def test_unknown_product() -> None:
    r = review_order(order(product_code="NOPE"), None, CLIENT)
    assert codes(r) == ["unknown_product"]
    assert "NOPE" in r.issues[0].message


def test_fee_differs_from_catalog_is_flagged_not_fixed() -> None:
    r = review_order(order(fee_amount=D("600.00"), total_amount=D("625.00")), CATALOG, CLIENT)
    assert codes(r) == ["fee_differs_from_catalog"]
    assert "600.00" in r.issues[0].message and "450.00" in r.issues[0].message
    assert r.fixes == ()


def test_fee_within_tolerance_is_fine() -> None:
    r = review_order(order(fee_amount=D("495.00"), total_amount=D("520.00")), CATALOG, CLIENT)
    assert r.ok


def test_catalog_for_another_product_is_a_caller_error() -> None:
    with pytest.raises(ValueError):
        review_order(order(product_code="OTHER"), CATALOG, CLIENT)


# --- pricing auto-fixes ---------------------------------------------------------------------


def test_missing_tech_fee_fixed_from_catalog() -> None:
    r = review_order(order(tech_fee=None), CATALOG, CLIENT)
    assert r.ok and r.fixed == {"tech_fee": D("25.00")}
    assert r.fixes[0].old is None and "catalog" in r.fixes[0].reason


def test_missing_tech_fee_without_catalog_fixed_to_zero() -> None:
    r = review_order(order(product_code="X", tech_fee=None, total_amount=D("450.00")), None, CLIENT)
    assert r.fixed == {"tech_fee": D("0.00")}
    assert codes(r) == ["unknown_product"]


def test_negative_tech_fee_fixed_from_catalog() -> None:
    r = review_order(order(tech_fee=D("-25.00")), CATALOG, CLIENT)
    assert r.ok and r.fixed == {"tech_fee": D("25.00")}
    assert r.fixes[0].old == D("-25.00")


def test_missing_total_fixed() -> None:
    r = review_order(order(total_amount=None), CATALOG, CLIENT)
    assert r.ok and r.fixed == {"total_amount": D("475.00")}
    assert "missing" in r.fixes[0].reason


def test_total_below_fee_fixed() -> None:
    r = review_order(order(total_amount=D("25.00")), CATALOG, CLIENT)
    assert r.fixed == {"total_amount": D("475.00")}
    assert "below the fee" in r.fixes[0].reason and r.fixes[0].old == D("25.00")


def test_total_not_fee_plus_tech_fee_fixed() -> None:
    r = review_order(order(total_amount=D("480.00")), CATALOG, CLIENT)
    assert r.fixed == {"total_amount": D("475.00")}
    assert "not fee + tech fee" in r.fixes[0].reason


def test_total_recomputed_after_tech_fee_fix() -> None:
    r = review_order(order(tech_fee=None, total_amount=D("450.00")), CATALOG, CLIENT)
    assert r.fixed == {"tech_fee": D("25.00"), "total_amount": D("475.00")}


def test_amounts_are_quantized_to_cents() -> None:
    r = review_order(order(fee_amount=D("450.004"), tech_fee=D("25.005"), total_amount=None), CATALOG, CLIENT)
    assert r.fixed["total_amount"] == D("475.01")
    assert r.fixed["total_amount"].as_tuple().exponent == -2


# --- credit issues -------------------------------------------------------------------------------


def test_client_unknown() -> None:
    assert codes(review_order(order(), CATALOG, None)) == ["client_unknown"]


def test_client_inactive() -> None:
    r = review_order(order(), CATALOG, CLIENT.model_copy(update={"active": False}))
    assert codes(r) == ["client_inactive"]


@pytest.mark.parametrize("limit", [None, D("0")])
def test_no_credit_line(limit: D | None) -> None:
    r = review_order(order(), CATALOG, CLIENT.model_copy(update={"credit_limit": limit}))
    assert codes(r) == ["no_credit_line"]


def test_credit_limit_exceeded_uses_fixed_total_and_shows_available() -> None:
    client = ClientCredit(active=True, credit_limit=D("5000.00"), outstanding_balance=D("4600.00"))
    r = review_order(order(total_amount=D("390.00"), tech_fee=D("-1")), CATALOG, client)
    assert codes(r) == ["credit_limit_exceeded"]  # 4600 + fixed 475 > 5000, though 4600 + 390 < 5000
    issue = r.issues[0]
    assert issue.kind == "credit" and "400.00" in issue.message and "475.00" in issue.message


def test_credit_exactly_at_limit_is_fine() -> None:
    client = ClientCredit(active=True, credit_limit=D("5000.00"), outstanding_balance=D("4525.00"))
    assert review_order(order(), CATALOG, client).ok


@pytest.mark.parametrize("method", ["prepaid", "card"])
def test_credit_not_checked_unless_billed(method: str) -> None:
    assert review_order(order(billing_method=method), CATALOG, None).ok


# --- requirements issues ----------------------------------------------------------------------------


@pytest.mark.parametrize("address", [None, "", "   "])
def test_missing_property_address(address: str | None) -> None:
    r = review_order(order(property_address=address), CATALOG, CLIENT)
    assert codes(r) == ["missing_property_address"] and r.issues[0].kind == "requirements"


def test_missing_borrower_contact() -> None:
    assert codes(review_order(order(borrower_email=None), CATALOG, CLIENT)) == ["missing_borrower_contact"]
    assert codes(review_order(order(borrower_name=" "), CATALOG, CLIENT)) == ["missing_borrower_contact"]
    assert review_order(order(borrower_email=None, borrower_phone="555-0101"), CATALOG, CLIENT).ok


def test_missing_property_contact() -> None:
    assert codes(review_order(order(property_contact_phone=None), CATALOG, CLIENT)) == [
        "missing_property_contact"
    ]
    assert codes(review_order(order(property_contact_name=""), CATALOG, CLIENT)) == [
        "missing_property_contact"
    ]
