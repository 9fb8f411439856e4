"""The navigation allowlist: a ``navigate`` step may reach only the session's allowed origins
(the registered origin and the definition's ``allowed_domains``, pinned by ``open_session``;
seed 001, domain whitelisting), over http or https.

URLs are read by the WHATWG URL standard (``ada-url``, core/targets.py), the parser Chromium
follows, never by ``urllib``: ``http://evil.test\\@site/`` is host ``evil.test`` here as in the
browser, and the URL handed to Chromium is the one checked (its normalized ``href``). ``data:``,
``blob:``, ``javascript:``, ``file:`` and every other non-http(s) scheme are refused, and so is
user info. A session from before issue 10 has no allowed origins: then the ``site_url`` origin and
the hosts of ``allowed_domains`` (http or https) are allowed, as before.

Tenant-visible reasons carry no network detail: a navigation that cannot reach the site (refused,
filtered, timed out, not resolved, blocked) reads :data:`UNREACHABLE`; the cause is logged.
"""

from __future__ import annotations

import contextlib

import ada_url
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from temporalio.exceptions import ApplicationError

from core.failures import Failure
from core.logging import get_logger
from core.targets import UNREACHABLE, TargetRefused, parse_origin

log = get_logger(__name__)


class SiteUnreachable(PlaywrightError):
    """A navigation failed in the network; ``str()`` is :data:`UNREACHABLE` (retryable)."""

    def __init__(self) -> None:
        super().__init__(UNREACHABLE)


def _blocked(why: str) -> ApplicationError:
    return ApplicationError(f"navigation blocked: {why}", type=Failure.POLICY_BLOCKED, non_retryable=True)


def allowed_url(
    site_url: str, target: str | None, allowed_domains: list[str], allowed_origins: list[str] | None = None
) -> str:
    """The absolute URL of ``target`` (a site-relative path or a URL) on ``site_url``.

    Raises a non-retryable ``PolicyBlocked`` ApplicationError for a scheme other than http(s),
    user info, or an origin outside ``allowed_origins`` (or, when that is empty, a host outside
    the site's and ``allowed_domains``)."""
    try:
        url = ada_url.URL(target or "", base=site_url)
    except ValueError:
        raise _blocked("not a URL") from None
    if url.protocol not in ("http:", "https:"):
        raise _blocked(f"{url.protocol.rstrip(':')[:20]} URLs are never opened")
    try:
        origin = parse_origin(url.href)
        if allowed_origins:
            allowed, ok = allowed_origins, str(origin) in allowed_origins
        else:  # a session from before issue 10: hosts, as then
            allowed = sorted({parse_origin(site_url).host, *allowed_domains})
            ok = origin.host in allowed
    except TargetRefused:
        raise _blocked("user info or a malformed URL") from None
    if not ok:
        raise _blocked(f"{origin} is not in the allowlist ({', '.join(allowed)})")
    return url.href


async def goto(page: Page, url: str, timeout_ms: float) -> None:
    """Open ``url``; any failure to load it (``net::ERR_*``, a timeout) is :class:`SiteUnreachable`,
    and the page is left blank, so a refused, a filtered and an unresolvable target also look the
    same in the failure screenshot and to the AI (Chromium's error page names the error)."""
    try:
        await page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    except PlaywrightError as e:
        log.warning("navigation failed", url=url[:200], detail=str(e).splitlines()[0][:300])
        with contextlib.suppress(PlaywrightError):
            await page.goto("about:blank", timeout=5000)
        raise SiteUnreachable() from None
