"""This worker's browsers and its open sessions (one browser context per operation).

One browser per pinned target set (its ``--host-resolver-rules``), reused across operations on
the same site and relaunched if it disconnected; each operation's session keeps its page (and
so its login state) across steps.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError
from temporalio.exceptions import ApplicationError

from activities.browser.launcher import launch, sandboxed_args
from core.failures import Failure
from core.settings import BrowserSettings


@dataclass
class EgressLog:
    """Requests the egress layer refused in a session, taken per step (issue 10)."""

    count: int = 0
    origins: list[str] = field(default_factory=list)

    def record(self, origin: str) -> None:
        self.count += 1
        if origin not in self.origins and len(self.origins) < 5:
            self.origins.append(origin)

    def take(self) -> tuple[int, list[str]]:
        """The count and up to 5 distinct origins since the last take; resets both."""
        out = (self.count, self.origins)
        self.count, self.origins = 0, []
        return out


@dataclass
class Session:
    tenant_id: str
    context: BrowserContext
    page: Page
    mask: list[str]
    """Selectors masked on every screenshot (the definition's secret fields)."""
    origin: str | None = None
    """The registered origin (the first pin): the only origin a credential may be typed into.
    None only for sessions opened by pre-issue-10 histories."""
    allowed_origins: list[str] = field(default_factory=list)
    """Every pinned origin (the registered one first, then the definition's allowed_domains)."""
    credential: dict[str, str] = field(default_factory=dict, repr=False)
    """The unwrapped admin credential: in this worker's memory only, never in Chromium's."""
    secret_selectors: list[str] = field(default_factory=list)
    """Elements that received a secret: masked in every later screenshot."""
    typed_secrets: list[str] = field(default_factory=list, repr=False)
    """Secret values typed so far (TOTP codes included): scrubbed from page text and errors."""
    egress: EgressLog = field(default_factory=EgressLog)


class BrowserPool:
    """This worker's browsers, one per pinned target set, and its open sessions.

    A browser is keyed by its ``--host-resolver-rules`` (``core.targets.resolver_rules`` of the
    session's pins; ``""`` for the unpinned browser of pre-issue-10 histories) and reused by every
    session with the same pins, so an operation against the same site never pays a launch.
    Browsers with no session beyond ``settings.idle_browsers`` are closed, least recently used
    first. A browser that disconnected is relaunched on next use.
    """

    def __init__(self, settings: BrowserSettings) -> None:
        sandboxed_args(settings)  # a worker configured to turn the sandbox off does not start
        self._settings = settings
        self._pw: Playwright | None = None
        self._browsers: dict[str, Browser] = {}
        """By rules, least recently used first."""
        self._sessions: dict[str, Session] = {}
        self._rules_of: dict[str, str] = {}
        """Operation id -> the rules of its session's browser."""
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Start Playwright's driver (browsers launch per pinned target set on first use)."""
        async with self._lock:
            await self._playwright()

    async def _playwright(self) -> Playwright:
        if self._pw is None:
            self._pw = await async_playwright().start()
        return self._pw

    async def browser(self, rules: str = "", op_id: str | None = None) -> Browser:
        """The running browser pinned to ``rules`` (launched on first use, relaunched if it
        disconnected). With ``op_id``, the browser is held for that operation until
        :meth:`drop`, so it is never closed as idle while its session opens."""
        async with self._lock:
            if op_id is not None:
                self._rules_of[op_id] = rules
            b = self._browsers.pop(rules, None)
            if b is None or not b.is_connected():
                b = await launch(await self._playwright(), self._settings, rules)
            self._browsers[rules] = b  # most recently used last
            return b

    def add(self, op_id: str, session: Session) -> None:
        self._sessions[op_id] = session

    def get(self, op_id: str) -> Session:
        """The operation's open session. Raises a non-retryable ``SessionLost`` when this worker
        has none (it restarted, or another worker holds it)."""
        s = self._sessions.get(op_id)
        if s is None or s.page.is_closed():
            raise ApplicationError(
                "no browser session for this operation on this worker",
                type=Failure.SESSION_LOST,
                non_retryable=True,
            )
        return s

    async def drop(self, op_id: str) -> None:
        """Close the operation's session, if any (a context already gone is fine), then the
        idle browsers beyond ``idle_browsers``."""
        s = self._sessions.pop(op_id, None)
        held = self._rules_of.pop(op_id, None)
        if s is not None:
            with contextlib.suppress(PlaywrightError):
                await s.context.close()
        if held is not None:
            await self._close_idle()

    async def _close_idle(self) -> None:
        async with self._lock:
            busy = set(self._rules_of.values())
            idle = [r for r in self._browsers if r not in busy]
            for rules in idle[: max(0, len(idle) - self._settings.idle_browsers)]:
                with contextlib.suppress(PlaywrightError):
                    await self._browsers.pop(rules).close()

    @property
    def browser_count(self) -> int:
        """Browsers running now (for tests and logs)."""
        return len(self._browsers)

    async def shutdown(self) -> None:
        for op_id in list(self._sessions):
            await self.drop(op_id)
        for b in self._browsers.values():
            with contextlib.suppress(PlaywrightError):
                await b.close()
        self._browsers.clear()
        if self._pw is not None:
            await self._pw.stop()
            self._pw = None
