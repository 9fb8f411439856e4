"""One-click unsubscribe, the pure parts (issue 13 item 6; RFC 8058, RFC 2369): the token, the
two headers as they leave in the raw message, and the finder of a mailto unsubscribe's token."""

from __future__ import annotations

import os
from email import message_from_bytes
from email.policy import default
from types import SimpleNamespace

import pytest

from activities.smtp_transport import message
from core.unsubscribe import derive_token, find_token, is_token, list_unsubscribe, token_hash

KEY = bytes(range(32))


def test_a_token_is_256_bits_one_per_tenant_and_address_and_needs_the_key() -> None:
    t = derive_token(KEY, "acme", "bob@example.test")
    assert is_token(t) and len(t) == 43
    assert derive_token(KEY, "acme", " Bob@Example.TEST ") == t  # one token per address
    assert derive_token(KEY, "other", "bob@example.test") != t  # another tenant's is another
    assert derive_token(os.urandom(32), "acme", "bob@example.test") != t  # the key decides
    assert derive_token(KEY, "acme", "eve@example.test") != t
    assert token_hash(t) != t and len(token_hash(t)) == 64
    with pytest.raises(ValueError):
        derive_token(b"short", "acme", "bob@example.test")


def test_malformed_tokens_are_not_tokens() -> None:
    good = derive_token(KEY, "acme", "bob@example.test")
    for bad in ("", good[:-1], good + "A", good[:-1] + "!", good[:-1] + "=", "../" + good[3:]):
        assert not is_token(bad), bad


def test_the_headers_name_the_one_click_url_first_then_the_mailto() -> None:
    t = derive_token(KEY, "acme", "bob@example.test")
    h = list_unsubscribe("https://api.example.test/", "mail.example.test", t)
    assert h == {
        "List-Unsubscribe": f"<https://api.example.test/u/{t}>, "
        f"<mailto:unsubscribe@mail.example.test?subject=unsubscribe%20{t}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_the_raw_message_carries_both_headers_unencoded() -> None:
    t = derive_token(KEY, "acme", "bob@example.test")
    headers = list_unsubscribe("https://api.omniops-example.test", "omniops.localhost", t)
    row = SimpleNamespace(
        to_email="bob@example.test", subject="Hi", message_id="<m@x>", tenant_id="acme", body="Hello"
    )
    raw = message("agent@omniops.localhost", "omniops.localhost", row, headers)
    assert b"=?utf-8?" not in raw  # never RFC 2047 words: clients would not read the URIs
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert f"List-Unsubscribe: <https://api.omniops-example.test/u/{t}>,\r\n <mailto:".encode() in raw
    parsed = message_from_bytes(raw, policy=default)
    assert str(parsed["List-Unsubscribe"]) == headers["List-Unsubscribe"]
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed.get_content().strip() == "Hello"


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("unsubscribe {t}", None),  # what our mailto sends
        ("Re: Unsubscribe {t}", ""),
        ("Fwd: UNSUBSCRIBE: {t}", None),
        ("unsubscribe+{t}", None),  # a client that kept the form encoding
        ("Please remove me", "unsubscribe {t}\r\n\r\n> quoted text"),
        ("", "Click https://api.example.test/u/{t} to stop."),
    ],
)
def test_the_finder_reads_the_token_from_the_subject_or_the_body(subject: str, body: str | None) -> None:
    t = derive_token(KEY, "acme", "bob@example.test")
    assert find_token(subject.format(t=t), body.format(t=t) if body else body) == t


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("unsubscribe", None),
        ("unsubscribe me please", "no token here"),
        ("unsubscribe {t}X", None),  # too long: not ours
        ("unsubscribe {short}", None),
        ("resubscribe{t}", None),
        (None, None),
    ],
)
def test_the_finder_finds_nothing_without_a_whole_token(subject: str | None, body: str | None) -> None:
    t = derive_token(KEY, "acme", "bob@example.test")
    fill = {"t": t, "short": t[:-1]}
    assert find_token(subject.format(**fill) if subject else subject, body) is None
