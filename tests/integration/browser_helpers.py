"""Real local listeners and an in-process browser worker for the browser egress and isolation
tests: a counting TCP listener (every accepted connection counts, so a pre-connect counts too),
a small HTTP site whose pages attack that listener, and ``BrowserSessions`` as the worker
builds it."""

from __future__ import annotations

import socket
import socketserver
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import ada_url

from activities.browser import BrowserSessions
from core.crypto import Keyring
from core.objectstore import ObjectStore
from core.settings import get_settings
from core.targets import Pin
from core.vault import VaultStore
from devstack.services import ensure_browser_user
from workflows.operation.browser_messages import OpenSessionInput, SitePin


class CountingListener(socketserver.ThreadingTCPServer):
    """A forbidden target on ``host:port`` (0: any free port): counts every TCP connection
    accepted and answers a minimal HTTP 200."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.connections = 0
        listener = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                listener.connections += 1
                self.request.settimeout(2)
                try:
                    self.request.recv(4096)
                    self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nreached")
                except OSError:
                    pass

        super().__init__((host, port), Handler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()


class Site(ThreadingHTTPServer):
    """The allowed site on 127.0.0.1 (any free port): ``pages`` maps a path to its HTML;
    ``/redirect?to=URL`` answers 302 to URL; ``/sw.js`` is a service worker script."""

    daemon_threads = True

    def __init__(self, pages: dict[str, str]) -> None:
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                site.requests.append(self.path)
                url = ada_url.URL(f"http://site{self.path}")
                if url.pathname == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", ada_url.URLSearchParams(url.search).get("to"))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, ctype = pages.get(url.pathname, "<h1 id=ok>ok</h1>"), "text/html"
                if url.pathname == "/sw.js":
                    body, ctype = "self.addEventListener('fetch', () => {});", "text/javascript"
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET  # noqa: N815

        super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def site_pin(pin: Pin) -> SitePin:
    return SitePin(scheme=pin.origin.scheme, host=pin.origin.host, port=pin.origin.port, address=pin.address)


def open_input(pins: list[Pin], op_id: str | None = None) -> OpenSessionInput:
    return OpenSessionInput(
        operation_id=op_id or f"op-{uuid.uuid4().hex[:8]}",
        tenant_id="t-egress",
        mask=[],
        pins=[site_pin(p) for p in pins],
    )


def browser_sessions(objects: Path) -> BrowserSessions:
    """The browser worker's activities as workers/run.py builds them (own object store)."""
    settings = get_settings()
    ensure_browser_user(settings.browser.run_as_user)
    keyring = Keyring.from_b64("k1", {"k1": Keyring.new_key_b64()})
    return BrowserSessions(
        settings.browser,
        VaultStore(settings),
        ObjectStore(objects, keyring),
        "w-test",
        vault_addr=settings.vault.addr,
    )
