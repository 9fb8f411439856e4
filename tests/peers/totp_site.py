"""A small local site whose login demands a TOTP code after the password (two-factor).

``/login`` (#username, #password, #submit; ``#login_error`` when refused) -> ``/otp`` (#code,
#verify; ``#otp_error`` when wrong) -> ``/dashboard`` (``#dashboard``). Codes are checked with
pyotp against the seed the test registers.
"""

from __future__ import annotations

import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pyotp

PAGE = "<!doctype html><html><body>{}</body></html>"
LOGIN = (
    '<form method="post" action="/login"><input id="username" name="username">'
    '<input id="password" name="password" type="password"><button id="submit">Sign in</button></form>'
)
OTP = (
    '<form method="post" action="/otp"><label for="code">Authenticator code</label>'
    '<input id="code" name="code" autocomplete="one-time-code"><button id="verify">Verify</button></form>'
)


class TotpSite:
    def __init__(self, port: int, username: str, password: str, totp_secret: str) -> None:
        self.pending: set[str] = set()
        self.sessions: set[str] = set()
        self.codes_seen: list[str] = []
        self.login_posts = 0  # password submissions (a retried login shows as more than one)
        site = self

        class _H(BaseHTTPRequestHandler):
            def _send(
                self, body: str, status: int = 200, cookie: str | None = None, location: str | None = None
            ) -> None:
                data = PAGE.format(body).encode()
                self.send_response(status)
                self.send_header("content-type", "text/html")
                self.send_header("content-length", str(len(data)))
                if cookie:
                    self.send_header("set-cookie", f"sid={cookie}; Path=/; HttpOnly")
                if location:
                    self.send_header("location", location)
                self.end_headers()
                self.wfile.write(data)

            def _sid(self) -> str:
                for part in self.headers.get("cookie", "").split(";"):
                    k, _, v = part.strip().partition("=")
                    if k == "sid":
                        return v
                return ""

            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/dashboard" and self._sid() in site.sessions:
                    return self._send('<h1 id="dashboard">Welcome</h1>')
                if self.path == "/otp" and self._sid() in site.pending:
                    return self._send(OTP)
                return self._send(LOGIN)

            def do_POST(self) -> None:  # noqa: N802
                form = {
                    k: v[0]
                    for k, v in parse_qs(
                        self.rfile.read(int(self.headers["content-length"])).decode()
                    ).items()
                }
                if self.path == "/login":
                    site.login_posts += 1
                    if form.get("username") == username and form.get("password") == password:
                        sid = secrets.token_hex(8)
                        site.pending.add(sid)
                        return self._send("", 303, cookie=sid, location="/otp")
                    return self._send('<div id="login_error">Invalid username or password.</div>' + LOGIN)
                if self.path == "/otp" and self._sid() in site.pending:
                    site.codes_seen.append(form.get("code", ""))
                    if pyotp.TOTP(totp_secret).verify(form.get("code", ""), valid_window=1):
                        site.pending.discard(self._sid())
                        site.sessions.add(self._sid())
                        return self._send("", 303, location="/dashboard")
                    return self._send('<div id="otp_error">Wrong code.</div>' + OTP)
                return self._send(LOGIN, 400)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), _H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
