"""The navigation allowlist: a step may reach only the site's own host and the definition's
``allowed_domains`` (seed 001, domain whitelisting), over http or https.

The URL is checked with urllib, but Chromium parses it by the WHATWG URL standard, and the two
disagree on some inputs: ``http://evil.test\\@localhost/`` is host ``localhost`` to urllib and
``evil.test`` to the browser (a backslash ends the authority). So a URL on which they can
disagree (a backslash, user info, whitespace or a control character) is refused outright.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from temporalio.exceptions import ApplicationError

from core.failures import Failure

AMBIGUOUS = re.compile(r"[\\\x00-\x20\x7f]")
"""Characters the WHATWG parser treats differently from urllib (or strips)."""


def allowed_url(site_url: str, target: str | None, allowed_domains: list[str]) -> str:
    """The absolute URL of ``target`` (a site-relative path or a URL) on ``site_url``.

    Raises a non-retryable ``PolicyBlocked`` ApplicationError for another scheme or host, or for a
    URL the browser could read as another host (backslash, user info, whitespace, control)."""
    url = urljoin(site_url, target or "")
    parts = urlsplit(url)
    host = parts.hostname or ""
    allowed = {urlsplit(site_url).hostname, *allowed_domains}
    ambiguous = AMBIGUOUS.search(url) is not None or "@" in parts.netloc
    if ambiguous or parts.scheme not in ("http", "https") or host not in allowed:
        raise ApplicationError(
            f"navigation to {host or url[:80]} blocked: "
            + ("an ambiguous URL" if ambiguous else "not in the allowlist")
            + f" ({', '.join(sorted(a for a in allowed if a))})",
            type=Failure.POLICY_BLOCKED,
            non_retryable=True,
        )
    return url
