"""URLs in a recording, cleaned of secrets (issue 10, "the recorder keeps secrets out of drafts").

Parsed by the WHATWG URL standard (``ada-url``, as the browser and ``core.targets`` read them),
never by ``urllib``. :func:`clean_url` keeps the origin and the path and drops:
- user info (``https://user:pw@host/``);
- the fragment (``#access_token=...`` of implicit OAuth flows);
- each query parameter whose name is secret (:data:`SECRET_PARAMS`, or a secret field name in
  any language, see :mod:`devstack.recorder_secrets`) or whose value is a secret-shaped literal.
Dropped rather than replaced by a placeholder: a navigate target is not templated at run time, so
``?token={{input.token}}`` would be sent literally. A path segment that is a secret-shaped
literal (a reset link's token) makes the whole URL unusable: :class:`SecretInPath`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import ada_url

from devstack.recorder_secrets import field_kind, secret_literal, words

SECRET_PARAMS = frozenset(
    words(n)
    for n in (
        "token access_token refresh_token id_token auth_token key api_key apikey sig signature "
        "password passwd pwd pass secret client_secret code auth authorization session session_id "
        "sessionid sid jwt otp nonce wpnonce ticket credential credentials private_key hash "
        "x-amz-signature x-amz-credential x-amz-security-token x-goog-signature x-goog-credential"
    ).split()
)
SECRET_WORDS = frozenset(words("token secret signature password passwd nonce jwt otp session"))
"""A parameter with one of these among its words is secret too (``csrf_token``, ``sessionId``)."""


class SecretInPath(ValueError):
    """A path segment of the URL looks like a secret; the URL is not kept."""


@dataclass
class CleanUrl:
    origin: str
    target: str
    """Path and the kept query, e.g. ``/wp-admin/?page=x``."""
    dropped: list[str] = field(default_factory=list)
    """What was removed, by name only (``user info``, ``query parameter token``)."""
    secrets: set[str] = field(default_factory=set)
    """The removed literals (raw and decoded), to scrub from anything else in the draft."""


def _decode(raw: str) -> str:
    return bytes(
        re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw.encode()),
    ).decode("utf-8", "replace")


def secret_param(name: str) -> bool:
    ws = words(name)
    return ws in SECRET_PARAMS or bool(SECRET_WORDS.intersection(ws)) or field_kind(name) is not None


def _secret_values(query: str) -> set[str]:
    """The secret literals in ``a=1&token=x`` (raw and decoded): values of secret parameters,
    and secret-shaped names or values."""
    found: set[str] = set()
    for piece in query.split("&"):
        raw_name, _, raw_value = piece.partition("=")
        name, value = next(iter(ada_url.URLSearchParams(piece).items()), ("", ""))
        if secret_literal(name):
            found |= {raw_name, name}
        if secret_literal(value) or (value and secret_param(name)):
            found |= {raw_value, value}
    return {s for s in found if s}


def clean_url(url: str, base: str | None = None) -> CleanUrl:
    """The URL without user info, fragment and secret query parameters. Raises ``ValueError``
    for an unparsable URL and :class:`SecretInPath`."""
    u = ada_url.URL(url.strip(), base) if base else ada_url.URL(url.strip())
    out = CleanUrl(origin=u.origin, target="")
    if u.username or u.password:
        out.dropped.append("user info")
        out.secrets |= {u.password, _decode(u.password)} - {""}  # the user name is stripped, not secret
    if found := _secret_values(u.hash[1:]):  # the fragment is never kept; noted when it held a secret
        out.dropped.append("fragment")
        out.secrets |= found
    if any(secret_literal(_decode(seg)) for seg in u.pathname.split("/")):
        raise SecretInPath("a path segment looks like a secret")
    kept = []
    for piece in filter(None, u.search[1:].split("&")):
        if not (found := _secret_values(piece)):
            kept.append(piece)
            continue
        name = next(iter(ada_url.URLSearchParams(piece).keys()), "")
        label = "" if name in found else "".join(c for c in name if c.isalnum() or c in "_-")[:40]
        out.dropped.append(f"query parameter {label}".strip())
        out.secrets |= found
    out.target = (u.pathname or "/") + (f"?{'&'.join(kept)}" if kept else "")
    return out
