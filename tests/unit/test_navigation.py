"""The navigation allowlist (activities/browser/navigation.py): WHATWG parsing, allowed origins."""

from __future__ import annotations

import pytest
from temporalio.exceptions import ApplicationError

from activities.browser.navigation import allowed_url

SITE = "http://localhost:8089"
ORIGINS = ["http://localhost:8089", "https://api.example.test"]
"""A session's pinned origins: the registered one first, then the definition's allowed domains."""


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/wp-admin/", "http://localhost:8089/wp-admin/"),
        ("http://localhost:8089/x?y=1", "http://localhost:8089/x?y=1"),
        ("https://api.example.test/v1", "https://api.example.test/v1"),
        ("HTTP://LOCALHOST:8089/a/../b", "http://localhost:8089/b"),  # the browser's reading, normalized
    ],
)
def test_the_sessions_allowed_origins_are_reachable(target: str, expected: str) -> None:
    assert allowed_url(SITE, target, ["api.example.test"], ORIGINS) == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/wp-admin/", "http://localhost:8089/wp-admin/"),
        ("https://api.example.test/v1", "https://api.example.test/v1"),
    ],
)
def test_a_session_from_before_issue_10_falls_back_to_site_and_allowed_hosts(
    target: str, expected: str
) -> None:
    assert allowed_url(SITE, target, ["api.example.test"]) == expected


BLOCKED = [
    "http://evil.test/",  # another host
    "//evil.test/x",  # scheme-relative: another host
    "javascript:alert(1)",  # another scheme
    "data:text/html,<form action=http://evil.test>",
    "blob:http://localhost:8089/0b5c",
    "file:///etc/passwd",
    "ftp://localhost:8089/",
    "http://evil.test\\@localhost:8089/",  # the browser (and ada): host evil.test
    "http://user@localhost:8089/",  # user info
    "http://evil.test\t@localhost:8089/",  # whitespace the browser strips: user info
    "http://127.0.0.1:8089/",  # the same server under another host name is another origin
]


@pytest.mark.parametrize("target", BLOCKED)
def test_other_origins_schemes_and_user_info_are_blocked(target: str) -> None:
    for origins in (ORIGINS, None):
        with pytest.raises(ApplicationError) as e:
            allowed_url(SITE, target, ["api.example.test"], origins)
        assert e.value.type == "PolicyBlocked" and e.value.non_retryable


@pytest.mark.parametrize(
    "target",
    [
        "http://localhost:8200/",  # another port of the allowed host (Vault's)
        "https://localhost:8089/",  # another scheme of the allowed origin
        "http://api.example.test/",  # an allowed domain's other scheme
    ],
)
def test_with_pinned_origins_port_and_scheme_count(target: str) -> None:
    with pytest.raises(ApplicationError) as e:
        allowed_url(SITE, target, ["api.example.test"], ORIGINS)
    assert e.value.type == "PolicyBlocked"


def test_the_reason_names_no_data_url_content() -> None:
    with pytest.raises(ApplicationError) as e:
        allowed_url(SITE, "data:text/html,secret-looking-payload", [], ORIGINS)
    assert e.value.message == "navigation blocked: data URLs are never opened"
