"""A local OAuth 2.0 provider: the protocol peer of the XOAUTH2 mailbox code (issue 13 Build 1),
standing in for Google's and Microsoft's token endpoints, which the tests cannot reach.

- ``POST /token``: the refresh-token grant (RFC 6749 section 6) with the client authenticated by
  ``client_secret_post`` or HTTP Basic (section 2.3.1). It answers a short-lived bearer access
  token (``{"access_token", "token_type": "Bearer", "expires_in"}``) or the section 5.2 errors:
  ``invalid_client`` (401), ``invalid_grant`` ("revoked" / "expired"), ``unsupported_grant_type``.
- ``POST /introspect`` (RFC 7662, form ``token=``): ``{"active": true, "username": ...}`` for a
  live access token, else ``{"active": false}``. Dovecot's oauth2 passdb calls it
  (``introspection_mode = post``) on every XOAUTH2 login.
- ``GET /userinfo`` with ``Authorization: Bearer``: the same fields, 401 when not live (Dovecot's
  ``introspection_mode = auth``, the shape of Google's userinfo endpoint).

The tests steer it: :meth:`OAuthPeer.grant` (a client and refresh token for a mailbox user),
:meth:`revoke`, :meth:`expire_refresh` and :meth:`expire_access_tokens`. Standalone for the local
run: ``uv run python -m tests.peers.oauth2 --port 8418`` (prints one grant per ``--user``).
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote


@dataclass
class Grant:
    client_id: str
    client_secret: str
    refresh_token: str
    username: str
    state: str = "active"
    """``active``, ``revoked`` or ``expired``."""


class OAuthPeer:
    def __init__(self, port: int, access_ttl_s: int = 300) -> None:
        self.access_ttl_s = access_ttl_s
        self.grants: dict[str, Grant] = {}
        self.access: dict[str, tuple[str, float]] = {}
        """Access token -> (username, expiry on the monotonic clock)."""
        self.issued: list[str] = []
        """Every access token handed out, in order (the tests search history and logs for them)."""
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.port = int(self.server.server_address[1])
        """``port``, or the one the system chose for 0."""
        self.origin = f"http://127.0.0.1:{self.port}"
        self.token_url = f"{self.origin}/token"

    def start(self) -> OAuthPeer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def grant(self, username: str) -> Grant:
        """A new OAuth client and refresh token for mailbox ``username``."""
        g = Grant(
            f"client-{secrets.token_hex(6)}", secrets.token_urlsafe(24), secrets.token_urlsafe(32), username
        )
        with self._lock:
            self.grants[g.refresh_token] = g
        return g

    def revoke(self, refresh_token: str) -> None:
        """The user or admin revoked the grant: its refresh token and access tokens stop working."""
        with self._lock:
            g = self.grants[refresh_token]
            g.state = "revoked"
            self.access = {k: v for k, v in self.access.items() if v[0] != g.username}

    def expire_refresh(self, refresh_token: str) -> None:
        with self._lock:
            self.grants[refresh_token].state = "expired"

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is past its lifetime."""
        with self._lock:
            self.access = {k: (u, 0.0) for k, (u, _) in self.access.items()}

    def refresh(self, form: dict[str, str], basic: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
        """RFC 6749 section 6; the answer's status and JSON body."""
        client_id, client_secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if form.get("grant_type") != "refresh_token":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            g = self.grants.get(form.get("refresh_token", ""))
            if g is None or g.client_id != client_id:
                known = any(x.client_id == client_id for x in self.grants.values())
                if not known:
                    return 401, {"error": "invalid_client", "error_description": "unknown client"}
                return 400, {"error": "invalid_grant", "error_description": "unknown refresh token"}
            if not secrets.compare_digest(g.client_secret, client_secret):
                return 401, {"error": "invalid_client", "error_description": "client authentication failed"}
            if g.state != "active":
                return 400, {"error": "invalid_grant", "error_description": f"Token has been {g.state}."}
            token = secrets.token_urlsafe(32)
            self.access[token] = (g.username, time.monotonic() + self.access_ttl_s)
            self.issued.append(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.access_ttl_s}

    def introspect(self, token: str) -> dict[str, Any]:
        """RFC 7662 section 2.2."""
        with self._lock:
            user, expiry = self.access.get(token, ("", 0.0))
        if not user or expiry <= time.monotonic():
            return {"active": False}
        return {"active": True, "username": user, "email": user, "token_type": "Bearer"}


def _handler(peer: OAuthPeer) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: dict[str, Any]) -> None:
            out = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def do_POST(self) -> None:  # noqa: N802 - http.server API
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            form = {k: v[0] for k, v in parse_qs(raw).items()}
            if self.path == "/token":
                self._answer(*peer.refresh(form, _basic(self.headers.get("Authorization", ""))))
            elif self.path == "/introspect":
                self._answer(200, peer.introspect(form.get("token", "")))
            else:
                self._answer(404, {"error": "not_found"})

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            auth = self.headers.get("Authorization", "")
            info = peer.introspect(auth.removeprefix("Bearer ").strip()) if auth.startswith("Bearer ") else {}
            if self.path != "/userinfo":
                self._answer(404, {"error": "not_found"})
            elif not info.get("active"):
                self._answer(401, {"error": "invalid_token"})
            else:
                self._answer(200, info)

        def log_message(self, *args: object) -> None:
            pass

    return H


def _basic(header: str) -> tuple[str, str] | None:
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return unquote(user), unquote(password)


def main() -> None:
    ap = argparse.ArgumentParser(description="the local OAuth 2.0 provider for XOAUTH2 mailboxes")
    ap.add_argument("--port", type=int, default=8418)
    ap.add_argument("--user", action="append", default=[], help="mailbox user to grant (repeatable)")
    args = ap.parse_args()
    peer = OAuthPeer(args.port)
    for user in args.user:
        g = peer.grant(user)
        print(json.dumps({"username": user, "client_id": g.client_id, "client_secret": g.client_secret,
                          "refresh_token": g.refresh_token, "token_url": peer.token_url}))  # fmt: skip
    print(f"OAuth peer on {peer.origin} (token, introspect, userinfo); Ctrl-C stops", flush=True)
    try:
        peer.server.serve_forever()
    except KeyboardInterrupt:
        peer.server.server_close()


if __name__ == "__main__":
    main()
