"""The OAuth refresh-token grant of XOAUTH2 mailboxes (issue 13 Build 1) against a real local
HTTP token endpoint: a token comes back; ``invalid_grant`` is ``revoked`` or ``token_expired``,
a refused client ``auth_failed``, a 5xx retryable; the form carries the grant's fields."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from activities.inbox.imap import MailboxAuthError
from activities.inbox.oauth import TokenEndpointUnavailable, access_token

ANSWERS: dict[str, tuple[int, dict[str, str]]] = {
    "good": (200, {"access_token": "ya29.access", "token_type": "Bearer", "expires_in": "3599"}),
    "revoked": (400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}),
    "expired": (
        400,
        {"error": "invalid_grant", "error_description": "AADSTS700082: The refresh token has expired"},
    ),
    "client": (401, {"error": "invalid_client", "error_description": "Unauthorized"}),
    "down": (503, {}),
}
SEEN: list[dict[str, list[str]]] = []


class _Endpoint(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        SEEN.append(form)
        status, body = ANSWERS[form["refresh_token"][0]]
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def token_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/token"
    server.shutdown()


def test_a_refresh_token_gives_an_access_token(token_url: str) -> None:
    assert access_token(token_url, "cid", "csecret", "good", 5) == "ya29.access"
    assert SEEN[-1] == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["good"],
        "client_id": ["cid"],
        "client_secret": ["csecret"],
    }


@pytest.mark.parametrize(
    ("answer", "status"), [("revoked", "revoked"), ("expired", "token_expired"), ("client", "auth_failed")]
)
def test_a_refused_grant_names_the_connection_status(token_url: str, answer: str, status: str) -> None:
    with pytest.raises(MailboxAuthError) as e:
        access_token(token_url, "cid", "csecret", answer, 5)
    assert e.value.status == status and "csecret" not in str(e.value)


def test_an_endpoint_outage_is_retryable(token_url: str) -> None:
    with pytest.raises(TokenEndpointUnavailable):
        access_token(token_url, "cid", "csecret", "down", 5)
    with pytest.raises(TokenEndpointUnavailable):
        access_token("http://127.0.0.1:9/token", "cid", "csecret", "good", 2)
