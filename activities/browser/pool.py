"""This worker's browser and its open sessions (one browser context per operation).

The browser is launched once per worker process and relaunched if it disconnected; each
operation's session keeps its page (and so its login state) across steps.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError
from temporalio.exceptions import ApplicationError

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
    def __init__(self, settings: BrowserSettings) -> None:
        self._settings = settings
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._sessions: dict[str, Session] = {}
        self._lock = asyncio.Lock()

    async def browser(self) -> Browser:
        """The running browser (launched on first use, relaunched if it disconnected)."""
        async with self._lock:
            if self._browser is None or not self._browser.is_connected():
                if self._pw is None:
                    self._pw = await async_playwright().start()
                self._browser = await self._pw.chromium.launch(
                    executable_path=self._settings.executable_path,
                    headless=self._settings.headless,
                    args=list(self._settings.args),
                )
            return self._browser

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
        """Close the operation's session, if any (a context already gone is fine)."""
        s = self._sessions.pop(op_id, None)
        if s is not None:
            with contextlib.suppress(PlaywrightError):
                await s.context.close()

    async def shutdown(self) -> None:
        for op_id in list(self._sessions):
            await self.drop(op_id)
        if self._browser is not None:
            await self._browser.close()
        if self._pw is not None:
            await self._pw.stop()
