"""Links in planned emails may only point at the tenant's own domains (issue 11, Build 9).

Pure: no I/O. :func:`foreign_links` finds every candidate link in a text with the patterns below,
parses each with ada-url (WHATWG URL parsing, as core/targets.py does) and returns those whose
host is not one of the tenant's domains or a subdomain of one. The patterns over-match on
purpose: a false positive blocks an email (a person can send it), a miss could send one.

Candidates (case-insensitive):

1. ``scheme://rest`` for any scheme, and ``scheme:rest`` for the schemes that need no ``//``
   (``javascript:``, ``data:``, ``vbscript:``, ``mailto:``, ``file:``, ``blob:``);
2. protocol-relative ``//host/...``;
3. scheme-less host names, as mail clients auto-link them: dot-separated labels ending in a
   label that starts with a letter (``www.evil.com``, ``evil.com/x``, ``bücher.test``, the
   domain of ``sales@evil.com``); the ideographic full stops that WHATWG host parsing reads as
   dots count as dots;
4. dotted IPv4 addresses.

A link counts as the tenant's only with an ``http``/``https`` scheme (or none) and a host equal
to or under one of ``domains``; hosts are compared in their ASCII (punycode) form, after WHATWG
parsing, so userinfo (``https://tenant.test@evil.com``), backslashes, percent-escapes, IDN
look-alikes and numeric IPs are judged by the host a browser would visit. Ports do not matter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import ada_url

_DOT = r"[.\u3002\uff0e\uff61]"
_STOP = r"[^\s<>\"'`()\[\]{}]"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_TLD = r"[^\W\d_][\w-]{0,61}[^\W_]"
CANDIDATES = re.compile(
    rf"[a-z][a-z0-9+.-]*://{_STOP}*"
    rf"|(?:javascript|data|vbscript|mailto|file|blob):{_STOP}+"
    rf"|(?<![\w:/])//{_STOP}+"
    rf"|(?<![\w.-])(?:{_LABEL}{_DOT})+{_TLD}(?::\d+)?(?:[/?#]{_STOP}*)?"
    rf"|(?<![\w.])\d{{1,3}}(?:\.\d{{1,3}}){{3}}(?![\w.])",
    re.IGNORECASE,
)
"""The candidate patterns 1-4 of the module docstring, in that order."""
WEB = ("http:", "https:")


def host_of(candidate: str) -> tuple[str, str] | None:
    """``(scheme, host)`` of a candidate as a browser reads it (scheme-less means ``http:``,
    ``//host`` means ``https:``); None when it does not parse as a URL."""
    text = candidate.rstrip(".,;:!?")
    if text.startswith("//"):
        text = "https:" + text
    elif not re.match(r"^[a-z][a-z0-9+.-]*:", text, re.IGNORECASE) or re.match(
        r"^[^:/]+:\d+(?:[/?#]|$)", text
    ):
        text = "http://" + text
    try:
        url = ada_url.URL(text)
    except ValueError:
        return None
    return url.protocol, url.hostname


def _ascii(domain: str) -> str | None:
    h = host_of(domain.strip().lstrip("."))
    return h[1] if h and h[0] in WEB and h[1] else None


def foreign_links(text: str | None, domains: Iterable[str]) -> list[str]:
    """The links in ``text`` that do not point at ``domains`` (or a subdomain of one), as found
    (each once, in order); ``[]`` for no text. Raises nothing."""
    if not text:
        return []
    own = [d for d in (_ascii(d) for d in domains) if d]
    out: list[str] = []
    for m in CANDIDATES.finditer(text):
        link = m.group(0)
        parsed = host_of(link)
        ok = (
            parsed is not None
            and parsed[0] in WEB
            and any(parsed[1] == d or parsed[1].endswith("." + d) for d in own)
        )
        if not ok and link not in out:
            out.append(link)
    return out
