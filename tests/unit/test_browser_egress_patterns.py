"""The egress guard's URL patterns (activities/browser/egress.py): the route regex matches every
URL off the allowed origins, and only those, however the URL tries to look like an allowed one."""

from __future__ import annotations

import pytest

from activities.browser.egress import off_origins, origin_of

ALLOWED = ["http://localhost:8089", "https://shop.example.com"]


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8089/",
        "http://localhost:8089/wp-admin/profile.php?x=1",
        "http://localhost:8089?q",
        "https://shop.example.com/",
        "https://shop.example.com#top",
    ],
)
def test_allowed_origins_are_not_matched(url: str) -> None:
    assert off_origins(ALLOWED).search(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:80890/",  # a longer port
        "http://localhost:8089.evil.test/",  # the origin as a prefix of another host
        "http://localhost/",
        "http://127.0.0.1:8089/",  # same address, another host name
        "https://localhost:8089/",  # another scheme
        "http://shop.example.com/",
        "https://shop.example.com.evil.test/",
        "https://evil.test/https://shop.example.com/",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_everything_else_is_matched(url: str) -> None:
    assert off_origins(ALLOWED).search(url) is not None


def test_websockets_use_the_same_origins() -> None:
    ws = off_origins(ALLOWED, websocket=True)
    assert ws.search("ws://localhost:8089/socket") is None
    assert ws.search("wss://shop.example.com/socket") is None
    assert ws.search("ws://localhost:8090/socket") is not None
    assert ws.search("wss://localhost:8089/socket") is not None


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://LOCALHOST:8089/x", "http://localhost:8089"),
        ("https://shop.example.com:443/", "https://shop.example.com"),
        ("ws://127.0.0.1:9/ws", "ws://127.0.0.1:9"),
        ("wss://h.test/ws", "wss://h.test"),
        ("data:text/html,<b>x</b>", "data:"),
        ("blob:http://localhost:8089/5d1c", "blob:"),
        ("javascript:alert(1)", "javascript:"),
        ("file:///etc/passwd", "file:"),
    ],
)
def test_origin_of(url: str, origin: str) -> None:
    assert origin_of(url) == origin
