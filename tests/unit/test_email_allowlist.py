"""internal_only's allowlist reads addresses with the RFC 5322 parser, not by splitting on "@"."""

from __future__ import annotations

import pytest

from activities.email import on_allowlist, parse_address


def test_parse_address_gives_the_lowercased_addr_spec_and_domain() -> None:
    assert parse_address(" Bob@Example.TEST ") == ("bob@example.test", "example.test")


@pytest.mark.parametrize("bad", ["nope", "a@b@c", "@example.test", "bob@", ""])
def test_parse_address_refuses_what_is_not_one_address(bad: str) -> None:
    assert parse_address(bad) is None


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("x@example.test", True),
        ("x@sub.example.test", True),
        ("boss@partner.test", True),
        ("x@evil.com", False),
        ("x@notexample.test", False),
        ('"x@example.test"@evil.com', False),  # a quoted local part is not the domain
        ("x@example.test@evil.com", False),
        ("other@partner.test", False),
    ],
)
def test_on_allowlist(address: str, allowed: bool) -> None:
    assert on_allowlist(address, ["example.test", "boss@partner.test"]) is allowed
