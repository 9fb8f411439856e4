"""One-click unsubscribe, the pure parts (RFC 8058, RFC 2369; issue 13 item 6, seed 004 P0.7.2):
the recipient's token, its stored hash, the two headers of every outbound email and the finder of
a token in an arriving message (a mailto unsubscribe, for the inbox classifier).

- **Token**: ``base64url(HMAC-SHA256(key, tenant NUL address))``, 43 characters (256 bits),
  under the tenant's unsubscribe key in Vault (:func:`core.keys.unsubscribe_key`). Deterministic,
  so one (tenant, address) has one token, yet unguessable without the key; the database keeps
  only its SHA-256 (:func:`token_hash`), which the public route looks up.
- **Headers**: ``List-Unsubscribe: <{api_public_url}/u/{token}>, <mailto:unsubscribe@{domain}?
  subject=unsubscribe%20{token}>`` and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

TOKEN_CHARS = 43
"""Length of a token: 32 bytes in unpadded base64url."""
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
"""A well-formed token (anything else is refused before any lookup)."""
ONE_CLICK = "List-Unsubscribe=One-Click"
"""The ``List-Unsubscribe-Post`` value and the form body a one-click POST carries (RFC 8058 §3.1)."""
MAILBOX = "unsubscribe"
"""The local part of the mailto unsubscribe address, at the sender's domain."""

_IN_TEXT = re.compile(
    r"(?:\bunsubscribe[ \t:+]+|/u/)([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)


def derive_token(key: bytes, tenant_id: str, address: str) -> str:
    """The recipient's token: 43 base64url characters. ``address`` is compared lower-cased and
    trimmed, so ``Bob@X.test`` and ``bob@x.test`` share one token. Raises ValueError for a key
    shorter than 32 bytes."""
    if len(key) < 32:
        raise ValueError("an unsubscribe key is at least 32 bytes")
    msg = f"{tenant_id}\0{address.strip().lower()}".encode()
    return base64.urlsafe_b64encode(hmac.new(key, msg, hashlib.sha256).digest()).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """SHA-256 of the token, 64 hex digits: what ``unsubscribe_tokens`` stores and looks up."""
    return hashlib.sha256(token.encode()).hexdigest()


def is_token(value: str) -> bool:
    """True for a well-formed token (43 base64url characters)."""
    return TOKEN.fullmatch(value) is not None


def one_click_url(public_url: str, token: str) -> str:
    """``{public_url}/u/{token}``: the HTTPS one-click endpoint (``settings.api_public_url``)."""
    return f"{public_url.rstrip('/')}/u/{token}"


def mailto_url(domain: str, token: str) -> str:
    """``mailto:unsubscribe@{domain}?subject=unsubscribe%20{token}`` (RFC 6068 encoding)."""
    return f"mailto:{MAILBOX}@{domain}?subject={MAILBOX}%20{token}"


def list_unsubscribe(public_url: str, domain: str, token: str) -> dict[str, str]:
    """The two headers of an outbound email: ``List-Unsubscribe`` (the one-click URL first, then
    the mailto, RFC 2369) and ``List-Unsubscribe-Post`` (RFC 8058)."""
    return {
        "List-Unsubscribe": f"<{one_click_url(public_url, token)}>, <{mailto_url(domain, token)}>",
        "List-Unsubscribe-Post": ONE_CLICK,
    }


def find_token(subject: str | None, body: str | None = None) -> str | None:
    """The unsubscribe token an arriving message carries, or None: ``unsubscribe {token}`` in the
    subject (what our mailto produces, also under ``Re:``/``Fwd:``), else ``unsubscribe {token}``
    or a ``/u/{token}`` link in the body. Pure text matching on untrusted input: the caller still
    looks the token's hash up for the tenant before acting on it."""
    for text in (subject, body):
        if text and (m := _IN_TEXT.search(text)):
            return m.group(1)
    return None
