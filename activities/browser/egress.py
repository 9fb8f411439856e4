"""Egress on every request of a session: only the session's pinned origins are reachable
(issue 10, part 2, "egress is enforced on every request").

Three layers, each counted into the session's :class:`~activities.browser.pool.EgressLog`
(taken per step by ``run_step`` into ``StepResult.blocked_requests``/``blocked_origins``):

1. **Resolver pins** (activities/browser/launcher.py), the enforcement: the browser resolves only
   the pinned ``host:port`` pairs, to their vetted addresses; every other host, port and IP
   literal fails with ``net::ERR_NAME_NOT_RESOLVED`` in Chromium's network stack, on every
   request type: documents, frames, subresources, XHR and fetch, form posts, popups, WebSockets
   and every hop of a redirect. :func:`guard` counts those failures.
   There is deliberately no ``context.route`` layer: Playwright's routes never see redirect hops
   (checked: a 302 to an internal address passed them), so they would add nothing the pins do
   not already refuse, while any route pauses every request in the driver and turns off the
   HTTP cache (about +0.35 s per main-job run, issue 10's speed budget).
2. **WebSockets and service workers**: ``context.route_web_socket`` closes WebSockets to any
   other origin before they connect (and counts them; the pins would refuse them silently).
   Service workers are blocked when the context is created (``service_workers="block"``).
3. **Navigation guard**: a frame that commits a ``data:``, ``blob:``, ``javascript:`` or
   ``file:`` URL is counted and sent back to ``about:blank``. Chromium already refuses a page's
   own top-level navigation to ``data:`` and ``file:`` (nothing commits); ``data:`` and ``blob:``
   frames and ``blob:`` top-level documents do commit and are neutralised here.

URLs are read with the WHATWG parser (``core.targets``), never ``urllib``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterable

from playwright.async_api import BrowserContext, Frame, Page, Request, WebSocketRoute
from playwright.async_api import Error as PlaywrightError

from activities.browser.pool import EgressLog
from core.logging import get_logger
from core.targets import TargetRefused, parse_origin

log = get_logger(__name__)

REFUSED_SCHEMES = ("data:", "blob:", "javascript:", "file:")
"""Navigations refused whatever the origin (Browser Use's allowed_domains lets data:/blob: by)."""

NOT_RESOLVED = "net::ERR_NAME_NOT_RESOLVED"
"""How a request the resolver pins refused shows in ``requestfailed``."""


def origin_of(url: str) -> str:
    """``url``'s origin for the egress log (WHATWG; ``ws:``/``wss:`` kept as such); ``scheme:``
    for a URL with no network origin (``data:``, ``blob:``, ``file:`` ...)."""
    ws = url[:6].lower().startswith(("ws://", "wss://"))
    try:
        origin = str(parse_origin(f"http{url[2:]}" if ws else url))
    except TargetRefused:
        scheme = url.split(":", 1)[0].lower()[:20]
        return f"{scheme}:" if scheme.isascii() and scheme.isalnum() else "invalid:"
    return f"ws{origin[4:]}" if ws else origin


def off_origins(origins: Iterable[str], websocket: bool = False) -> re.Pattern[str]:
    """A regex matching every URL that is *not* on one of ``origins`` (serialized http(s)
    origins). ``websocket``: the same origins as ``ws:``/``wss:``. The match needs the origin to
    end the authority (``/``, ``?``, ``#`` or the end), so ``http://site.evil/`` or
    ``http://site:80801/`` never passes for ``http://site``/``http://site:8080``."""
    allowed = list(origins)
    if websocket:
        allowed = [re.sub(r"^http", "ws", o) for o in allowed]
    alts = "|".join(re.escape(o) for o in allowed)
    return re.compile(rf"^(?!(?:{alts})(?:[/?#]|$))") if alts else re.compile(r"^")


async def guard(context: BrowserContext, egress: EgressLog, allowed: list[str]) -> None:
    """Install the refusal counter, WebSocket and navigation guards on a new ``context`` (before its first
    page). ``allowed``: the session's pinned origins; empty (pre-issue-10 sessions) installs only
    the navigation guard, since such a session has no pins to enforce."""

    def refused(request: Request) -> None:
        if request.failure == NOT_RESOLVED:
            egress.record(origin_of(request.url))

    if allowed:

        async def close_socket(ws: WebSocketRoute) -> None:
            egress.record(origin_of(ws.url))
            with contextlib.suppress(PlaywrightError):
                await ws.close(code=1008, reason="blocked")

        await context.route_web_socket(off_origins(allowed, websocket=True), close_socket)
        context.on("requestfailed", refused)
    context.on("page", lambda page: _watch_navigations(page, egress))


def _watch_navigations(page: Page, egress: EgressLog) -> None:
    def navigated(frame: Frame) -> None:
        if frame.url.lower().startswith(REFUSED_SCHEMES):
            egress.record(origin_of(frame.url))
            log.warning("navigation refused", scheme=origin_of(frame.url))
            task = asyncio.get_running_loop().create_task(_blank(frame))
            _pending.add(task)
            task.add_done_callback(_pending.discard)

    page.on("framenavigated", navigated)


_pending: set[asyncio.Task[None]] = set()
"""Neutralising navigations in flight (kept referenced until done)."""


async def _blank(frame: Frame) -> None:
    with contextlib.suppress(PlaywrightError):
        await frame.goto("about:blank")
