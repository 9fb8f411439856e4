"""The declarative HTTP sequence of connection tests (issue 15 Build 1) against a local HTTP server:
a login-token-then-login exchange, an API-key header on "who am I", a cookie carried over,
expectations on status and JSON fields, and no secret in what is returned."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from temporalio.exceptions import ApplicationError

from activities.connection import ConnectionActivities
from activities.credential_reads import CredentialReader
from activities.http_sequence import run_sequence
from core.templates import Context
from workflows.operation.http_sequence import ConnectionTest
from workflows.operation.messages import ConnectionTestInput

KEY = "k-7f3a9c0d"
PASSWORD = "s3cret-pass"


class Site(BaseHTTPRequestHandler):
    """``POST /api/login_token`` -> a one-time token; ``POST /api/login`` (JSON: user, password,
    token) -> a session cookie and a bearer; ``GET /api/me`` needs the bearer and the cookie;
    ``GET /users/current.json`` needs ``X-Key``."""

    seen: list[dict[str, Any]] = []

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode()
        Site.seen.append({"path": self.path, "body": body, "headers": dict(self.headers)})
        if self.path == "/api/login_token":
            return self._send(200, {"data": {"token": "tok-1"}})
        if self.path == "/api/login":
            data = json.loads(body)
            if data == {"user": "admin", "password": PASSWORD, "token": "tok-1"}:
                return self._send(200, {"ok": True, "bearer": "b-9"}, {"Set-Cookie": "sid=c-42; Path=/"})
            return self._send(403, {"ok": False})
        return self._send(404, {})

    def do_GET(self) -> None:  # noqa: N802
        Site.seen.append({"path": self.path, "headers": dict(self.headers)})
        if self.path == "/api/me":
            ok = self.headers.get("Authorization") == "Bearer b-9" and "sid=c-42" in (
                self.headers.get("Cookie") or ""
            )
            return self._send(200 if ok else 401, {"user": {"name": "Ada", "id": 7}} if ok else {})
        if self.path == "/users/current.json":
            if self.headers.get("X-Key") == KEY:
                return self._send(200, {"user": {"login": "admin", "id": 1, "key": KEY}})
            return self._send(401, {"errors": ["bad key"]})
        return self._send(404, {})

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    Site.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


EXCHANGE = {
    "steps": [
        {
            "name": "token",
            "method": "POST",
            "path": "/api/login_token",
            "expect": {"status": 200},
            "extract": {"t": {"json_pointer": "/data/token"}},
        },
        {
            "name": "login",
            "method": "POST",
            "path": "/api/login",
            "json_body": {
                "user": "{{credential.username}}",
                "password": "{{credential.password}}",
                "token": "{{steps.token.t}}",
            },
            "expect": {"status": 200, "json_equals": {"/ok": True}},
            "extract": {"bearer": {"json_pointer": "/bearer"}, "sid": {"cookie": "sid"}},
        },
        {
            "name": "me",
            "path": "/api/me",
            "headers": {
                "Authorization": "Bearer {{steps.login.bearer}}",
                "Cookie": "sid={{steps.login.sid}}",
            },
            "expect": {"status": 200, "json_present": ["/user/id"]},
            "describe": "/user/name",
        },
    ]
}


def run(site: str, test: dict[str, Any], cred: dict[str, str]) -> Any:
    with httpx.Client(timeout=5, follow_redirects=False) as client:
        return run_sequence(
            ConnectionTest.model_validate(test), site, Context(credential=cred), client, lambda u: (u, {}, {})
        )


def test_a_login_token_then_login_exchange_passes_values_forward(site: str) -> None:
    out = run(site, EXCHANGE, {"username": "admin", "password": PASSWORD})
    assert [(o.name, o.status_code, o.passed) for o in out] == [
        ("token", 200, True),
        ("login", 200, True),
        ("me", 200, True),
    ]
    assert out[-1].detail == "HTTP 200 as Ada"
    assert json.loads(Site.seen[1]["body"])["token"] == "tok-1"


def test_a_wrong_password_stops_at_the_failing_expectation_and_names_it(site: str) -> None:
    out = run(site, EXCHANGE, {"username": "admin", "password": "wrong"})
    assert [(o.name, o.passed) for o in out] == [("token", True), ("login", False)]
    assert out[-1].detail == "HTTP 403, failed status"
    assert len(Site.seen) == 2  # "me" never ran


def test_an_api_key_header_on_who_am_i_and_no_secret_in_the_outcome(site: str) -> None:
    test = {
        "steps": [
            {
                "name": "whoami",
                "path": "/users/current.json",
                "headers": {"X-Key": "{{credential.password}}"},
                "expect": {"status": 200, "json_equals": {"/user/login": "admin"}},
                "describe": "/user/key",  # a secret value is never described
            }
        ]
    }
    out = run(site, test, {"username": "admin", "password": KEY})
    assert out[0].passed and KEY not in out[0].model_dump_json()
    bad = run(site, test, {"username": "admin", "password": "nope"})
    assert not bad[0].passed and "nope" not in bad[0].model_dump_json()


def test_the_old_one_request_form_is_a_one_step_basic_auth_sequence() -> None:
    t = ConnectionTest.model_validate(
        {"method": "GET", "path": "/?rest_route=/wp/v2/users/me", "expect_status": 200}
    )
    (step,) = t.steps
    assert step.basic_auth is not None and step.basic_auth.username == "{{credential.username}}"
    assert step.expect.status == [200] and step.path == "/?rest_route=/wp/v2/users/me"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s[2]["headers"].update(Cookie="{{steps.login.nope}}"), "steps.2.headers.Cookie"),
        (lambda s: s[0].update(path="{{steps.me.x}}"), "steps.0.path"),
        (lambda s: s[1]["json_body"].update(token="{{token}}"), "steps.1.json_body.token"),
        (lambda s: s[1].update(name="token"), "steps.1.name"),
    ],
)
def test_an_invalid_sequence_is_rejected_naming_the_field(change: Any, field: str) -> None:
    test = json.loads(json.dumps(EXCHANGE))
    change(test["steps"])
    with pytest.raises(ValidationError) as e:
        ConnectionTest.model_validate(test)
    assert field in str(e.value)


class Vault:
    def read(self, _path: str) -> dict[str, str]:
        return {"username": "admin", "password": KEY, "delivery": "d"}


def test_the_activity_loads_no_test_for_a_foreign_credential_path(site: str) -> None:
    inp = ConnectionTestInput(
        tenant_id="t1",
        service="redmine",
        credential_type="api_key",
        admin_credential="admin",
        site_url=site,
        test=ConnectionTest.model_validate({"steps": [{"name": "a", "path": "/users/current.json"}]}),
        credential_path="tenants/t2/redmine/api_key",
    )
    with pytest.raises(ApplicationError) as e:
        ConnectionActivities(CredentialReader(Vault(), None)).test_connection(inp)  # type: ignore[arg-type]
    assert "not the tenant's" in e.value.message and Site.seen == []
