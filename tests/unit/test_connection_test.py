"""The connection test (activities/connection.py, issue 10): it goes to the pinned address of the
registered origin, never follows a redirect, and every network failure reads the same."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError

from activities.connection import UNREACHABLE, ConnectionActivities
from activities.credential_reads import CredentialReader
from core.targets import REFUSED
from workflows.operation.browser_messages import SitePin
from workflows.operation.definition import ConnectionTest
from workflows.operation.messages import ConnectionTestInput


class FakeVault:
    def read(self, _path: str) -> dict[str, str]:
        return {"username": "admin", "password": "app-pass"}


class Site(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Site.seen.append((self.path, self.headers.get("Host", "")))
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/internal")
            self.end_headers()
            return
        body = b'{"name": "admin"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def site() -> Iterator[int]:
    Site.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(site_url: str, path: str, pins: list[SitePin]) -> Any:
    inp = ConnectionTestInput(
        tenant_id="t",
        service="wordpress",
        credential_type="application_password",
        admin_credential="admin",
        site_url=site_url,
        test=ConnectionTest(path=path),
        pins=pins,
    )
    return ConnectionActivities(CredentialReader(FakeVault(), None)).test_connection(inp)  # type: ignore[arg-type]


def pin(host: str, port: int, address: str = "127.0.0.1") -> SitePin:
    return SitePin(scheme="http", host=host, port=port, address=address)


def test_the_request_goes_to_the_pinned_address_with_the_site_host(site: int) -> None:
    # site.invalid never resolves: only the pin can bring the request to the listener
    r = run(f"http://site.invalid:{site}", "/?rest_route=/wp/v2/users/me", [pin("site.invalid", site)])
    assert r.passed and r.detail == "HTTP 200 as admin"
    assert Site.seen == [("/?rest_route=/wp/v2/users/me", f"site.invalid:{site}")]


def test_a_redirect_is_a_failed_test_and_is_never_followed(site: int) -> None:
    r = run(f"http://site.invalid:{site}", "/redirect", [pin("site.invalid", site)])
    assert not r.passed and r.status_code == 302 and "not followed" in r.detail
    assert [p for p, _ in Site.seen] == ["/redirect"]


def test_a_path_that_leaves_the_origin_is_refused(site: int) -> None:
    with pytest.raises(ApplicationError) as e:
        run(f"http://site.invalid:{site}", "//evil.invalid/x", [pin("site.invalid", site)])
    assert e.value.message == REFUSED and Site.seen == []


def test_refused_and_unresolvable_read_the_same() -> None:
    port = free_port()
    with pytest.raises(ApplicationError) as refused:
        run(f"http://site.invalid:{port}", "/", [pin("site.invalid", port)])
    with pytest.raises(ApplicationError) as unresolvable:
        run("http://no-such-host.invalid", "/", [])
    assert refused.value.message == unresolvable.value.message == UNREACHABLE
