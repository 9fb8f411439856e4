"""The navigation allowlist: a step may reach only the site's own host and the definition's
``allowed_domains`` (seed 001, domain whitelisting), over http or https."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from temporalio.exceptions import ApplicationError

from core.failures import Failure


def allowed_url(site_url: str, target: str | None, allowed_domains: list[str]) -> str:
    """The absolute URL of ``target`` (a site-relative path or a URL) on ``site_url``.

    Raises a non-retryable ``PolicyBlocked`` ApplicationError for another scheme or host."""
    url = urljoin(site_url, target or "")
    host = urlsplit(url).hostname or ""
    allowed = {urlsplit(site_url).hostname, *allowed_domains}
    if urlsplit(url).scheme not in ("http", "https") or host not in allowed:
        raise ApplicationError(
            f"navigation to {host or url[:80]} blocked: not in the allowlist "
            f"({', '.join(sorted(a for a in allowed if a))})",
            type=Failure.POLICY_BLOCKED,
            non_retryable=True,
        )
    return url
