"""Recipients are read by a real address parser (``email-validator``), never by splitting on "@":
anything but exactly one bare address is refused, so it can never pass ``internal_only``'s
allowlist (issue 11, Build 9)."""

from __future__ import annotations

import pytest

from activities.email import on_allowlist, parse_address

ALLOWLIST = ["example.test", "boss@partner.test", "bücher.test"]


def test_parse_address_gives_the_lowercased_addr_spec_and_domain() -> None:
    assert parse_address(" Bob@Example.TEST ") == ("bob@example.test", "example.test")


def test_an_internationalized_domain_is_given_in_punycode() -> None:
    assert parse_address("anna@bücher.test") == ("anna@xn--bcher-kva.test", "xn--bcher-kva.test")


@pytest.mark.parametrize(
    "bad",
    [
        "nope",
        "a@b@c",
        "@example.test",
        "bob@",
        "",
        "a@evil.com,b@example.test",  # two addresses
        "a@evil.com, b@example.test",
        "a@evil.com;b@example.test",
        "a@evil.com b@example.test",
        "Bob <bob@example.test>",  # a display name
        "<bob@example.test>",
        '"Bob" <bob@example.test>',
        '"bob"@example.test',  # a quoted local part
        '"a@evil.com"@example.test',
        '"x@example.test"@evil.com',
        "bob(comment)@example.test",  # comments
        "bob@example.test (Bob)",
        "(c)bob@example.test",
        "bob@[127.0.0.1]",  # a domain literal
        "bob@localhost",  # special-use names
        "bob@printer.local",
        "bob@host.invalid",
        "jöhn@example.test",  # SMTPUTF8 local part
        "bob@example.test\r\nBcc: x@evil.com",  # header injection
        "bob\n@example.test",
        "bob@exa mple.test",
    ],
)
def test_parse_address_refuses_what_is_not_one_address(bad: str) -> None:
    assert parse_address(bad) is None


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("x@example.test", True),
        ("x@sub.example.test", True),
        ("boss@partner.test", True),
        ("BOSS@Partner.Test", True),
        ("anna@bücher.test", True),  # the entry and the address meet in punycode
        ("anna@xn--bcher-kva.test", True),
        ("x@evil.com", False),
        ("x@notexample.test", False),
        ("x@example.test.evil.com", False),
        ('"x@example.test"@evil.com', False),  # a quoted local part is not the domain
        ("x@example.test@evil.com", False),
        ("a@evil.com,b@example.test", False),  # the multi-address form (issue 11)
        ("a@evil.com, boss@partner.test", False),
        ("Boss <boss@partner.test>", False),
        ("x@exаmple.test", False),  # Cyrillic "а": another domain (xn--xmple-...)
        ("other@partner.test", False),
    ],
)
def test_on_allowlist(address: str, allowed: bool) -> None:
    assert on_allowlist(address, ALLOWLIST) is allowed
