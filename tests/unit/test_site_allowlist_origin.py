"""The operator's allowlist takes bare origins only, stored as the browser serializes them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.schemas.site_allowlist import SiteAllowRequest, bare_origin


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("http://127.0.0.1:8089", "http://127.0.0.1:8089"),
        ("HTTP://LocalHost:8089/", "http://localhost:8089"),
        ("https://example.com:443", "https://example.com"),
        ("http://example.com:80/", "http://example.com"),
        ("https://[::1]:8443", "https://[::1]:8443"),
        (" https://Example.COM ", "https://example.com"),
    ],
)
def test_a_bare_origin_is_normalized(text: str, origin: str) -> None:
    assert bare_origin(text) == origin


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/wp-admin",
        "https://example.com/?a=1",
        "https://example.com/#top",
        "https://evil.test\\@example.com/",
        "https://user:pw@example.com",
        "ftp://example.com",
        "javascript:alert(1)",
        "example.com",
        "",
    ],
)
def test_anything_but_a_bare_http_origin_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        bare_origin(text)


def test_the_request_stores_the_normalized_origin_and_rejects_a_path() -> None:
    body = SiteAllowRequest(tenant_id="t-1", origin="HTTP://127.0.0.1:8089/")
    assert body.origin == "http://127.0.0.1:8089"
    with pytest.raises(ValidationError):
        SiteAllowRequest(tenant_id="t-1", origin="http://127.0.0.1:8089/x")
    with pytest.raises(ValidationError):
        SiteAllowRequest(tenant_id="Not A Tenant", origin="http://127.0.0.1:8089")
