"""The navigation allowlist (activities/browser/navigation.py)."""

from __future__ import annotations

import pytest
from temporalio.exceptions import ApplicationError

from activities.browser.navigation import allowed_url

SITE = "http://localhost:8089"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/wp-admin/", "http://localhost:8089/wp-admin/"),
        ("http://localhost:8089/x?y=1", "http://localhost:8089/x?y=1"),
        ("https://api.example.test/v1", "https://api.example.test/v1"),
    ],
)
def test_the_site_and_its_allowed_domains_are_reachable(target: str, expected: str) -> None:
    assert allowed_url(SITE, target, ["api.example.test"]) == expected


@pytest.mark.parametrize(
    "target",
    [
        "http://evil.test/",  # another host
        "javascript:alert(1)",  # another scheme
        "file:///etc/passwd",
        "http://evil.test\\@localhost:8089/",  # urllib: localhost; the browser: evil.test
        "http://user@localhost:8089/",  # user info
        "http://evil.test\t@localhost:8089/",  # whitespace the browser strips
    ],
)
def test_other_hosts_schemes_and_ambiguous_urls_are_blocked(target: str) -> None:
    with pytest.raises(ApplicationError) as e:
        allowed_url(SITE, target, ["api.example.test"])
    assert e.value.type == "PolicyBlocked" and e.value.non_retryable
