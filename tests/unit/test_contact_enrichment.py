"""The enrichment merge rule (issue 13 Build 7): only empty fields are set, a different value is
a conflict that keeps the contact's own, equal values (by digits for phones) are ``same``."""

from __future__ import annotations

from workflows.inbox.enrichment import decide
from workflows.mail_models import SignatureFields, SourcedValue

MID = "<m1@mail.example>"


def v(value: str) -> SourcedValue:
    return SourcedValue(value=value, message_id=MID)


SIG = SignatureFields(
    phones=(v("+14155550142"), v("+14155550199")),
    title=v("Head of Operations"),
    company=v("Northwind Traders"),
    linkedin=v("https://www.linkedin.com/in/dana"),
)


def test_empty_fields_are_set_with_their_source() -> None:
    got = [(d.field, d.value, d.outcome, d.message_id) for d in decide({}, SIG)]
    assert got == [
        ("phone", "+14155550142", "set", MID),
        ("title", "Head of Operations", "set", MID),
        ("company", "Northwind Traders", "set", MID),
        ("linkedin_url", "https://www.linkedin.com/in/dana", "set", MID),
    ]


def test_a_different_value_is_a_conflict_and_an_equal_one_is_same() -> None:
    current = {
        "phone": "(415) 555-0199",
        "title": "COO",
        "company": "  northwind   traders ",
        "linkedin_url": "linkedin.com/in/dana/",
        "address": None,
    }
    got = {d.field: (d.outcome, d.value) for d in decide(current, SIG)}
    assert got == {
        "phone": ("same", "+14155550199"),
        "title": ("conflict", "Head of Operations"),
        "company": ("same", "Northwind Traders"),
        "linkedin_url": ("same", "https://www.linkedin.com/in/dana"),
    }


def test_an_empty_signature_decides_nothing() -> None:
    assert decide({"phone": None}, SignatureFields()) == []
