"""Helpers for the credential firewall tests: the browser session activities driven in process
(as workers/run.py builds them) on the real WordPress, a second local origin, and a JPEG reader.

Chromium keeps its sandbox: when the tests run as root it is started as the unprivileged browser
user (``settings.browser.run_as_user``) through a small launcher, with a minimal environment.
"""

from __future__ import annotations

import base64
import os
import socket
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.browser import BrowserSessions
from activities.browser.pool import Session
from core.objectstore import ObjectStore
from core.settings import get_settings
from core.vault import unwrap
from workflows.operation.browser_messages import OpenSessionInput, SitePin, StepInput, StepResult
from workflows.operation.definition import StepDefinition


def chromium_launcher(user: str) -> str:
    """An executable that runs Debian's Chromium as ``user`` (sandbox on, minimal environment)
    when started by root, and as is otherwise."""
    folder = Path(tempfile.mkdtemp(prefix="omniops-chromium-"))
    folder.chmod(0o755)
    script = folder / "chromium"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$(id -u)" != 0 ]; then exec /usr/bin/chromium "$@"; fi\n'
        'for a in "$@"; do case "$a" in --user-data-dir=*) '
        f'chown -R {user}: "${{a#--user-data-dir=}}";; esac; done\n'
        f"exec setpriv --reuid={user} --regid={user} --init-groups "
        'env -i HOME=/tmp PATH=/usr/bin:/bin /usr/bin/chromium "$@"\n'
    )
    script.chmod(0o755)
    return str(script)


class OtherOrigin:
    """A page on another local origin with a login-looking form; records every request."""

    PAGE = (
        b"<!doctype html><form method=post action=/steal><input id=user name=user type=text>"
        b"<input id=pw name=pw type=password><input id=go type=submit value=Go></form>"
        b"<a id=away href=%s>away</a>"
    )

    def __init__(self, port: int, away: str = "/") -> None:
        page = self.PAGE % away.encode()
        self.requests: list[tuple[str, str, bytes]] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen.append((self.command, self.path, body))
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(page)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://localhost:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class SilentPort:
    """A TCP port that accepts connections (the kernel's backlog) and never answers: a
    filtered-looking target. With ``reset``, each connection is closed at once instead."""

    def __init__(self, port: int, reset: bool = False) -> None:
        self._sock = socket.create_server(("127.0.0.1", port))
        self._stop = False
        if reset:
            threading.Thread(target=self._close_each, daemon=True).start()

    def _close_each(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            conn.close()

    def stop(self) -> None:
        self._stop = True
        self._sock.close()


MEAN_JS = """async ([b64, box]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const bmp = await createImageBitmap(new Blob([bytes], {type: 'image/jpeg'}));
  const canvas = new OffscreenCanvas(bmp.width, bmp.height);
  const g = canvas.getContext('2d');
  g.drawImage(bmp, 0, 0);
  const d = g.getImageData(box.x, box.y, box.width, box.height).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
  return sum / (d.length / 4) / 3;
}"""
"""The mean brightness (0-255) of a box of a JPEG, decoded by Chromium (no imaging library)."""


@dataclass
class Harness:
    """One operation's browser session, its steps run as the workflow would run them."""

    sessions: BrowserSessions
    store: ObjectStore
    tenant: str
    op: str
    site_url: str
    n: int = 0
    env: ActivityEnvironment = field(default_factory=ActivityEnvironment)

    async def open(self, pins: list[SitePin], wrap: str) -> Session:
        await self.env.run(
            self.sessions.open_session,
            OpenSessionInput(
                operation_id=self.op, tenant_id=self.tenant, mask=[], pins=pins, credential_wrap=wrap
            ),
        )
        s = self.sessions._pool.get(self.op)
        if not s.credential:  # open_session from before the browser side of issue 10: do its part here
            s.credential = unwrap(get_settings().vault.addr, wrap)
            s.origin = pins[0].origin
            s.allowed_origins = [p.origin for p in pins]
        return s

    def inp(self, action: str, target: str, value: str | None = None, **kw: Any) -> StepInput:
        self.n += 1
        step_kw = {k: kw.pop(k) for k in ("expected", "error_selector", "store_as") if k in kw}
        return StepInput(
            operation_id=self.op,
            tenant_id=self.tenant,
            service="wordpress",
            credential="admin",
            step_number=self.n,
            attempt=1,
            step=StepDefinition(
                intent="test step",
                action=action,  # type: ignore[arg-type]
                target=target,
                value=value,
                timeout_s=kw.pop("timeout_s", 10),
                selector_wait_s=2,
                **step_kw,
            ),
            inputs={"site_url": self.site_url},
            **kw,
        )

    async def step(self, action: str, target: str, value: str | None = None, **kw: Any) -> StepResult:
        return await self.env.run(self.sessions.run_step, self.inp(action, target, value, **kw))

    async def refused(
        self, action: str, target: str, value: str | None = None, **kw: Any
    ) -> ApplicationError:
        """Run a step that must fail; returns its error."""
        try:
            await self.step(action, target, value, **kw)
        except ApplicationError as e:
            return e
        raise AssertionError(f"{action} {target} {value} was not refused")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def is_root() -> bool:
    return os.geteuid() == 0
