"""Which exceptions mean "a dependency is down for a while" (issue 17, Build 7), and the short,
tenant-safe text an activity failure may carry.

:func:`classify` walks an exception and its causes and names the dependency (Vault, Postgres,
SMTP, IMAP, the LLM) when the error is transient: a timeout, a refused or dropped connection, an
HTTP 429/5xx (Anthropic's 529 "overloaded" too), an SMTP 4xx, psycopg's ``OperationalError``.
Permanent errors (a 4xx from Vault or the Messages API, an integrity error, a 5xx SMTP reply) are
not transient: they keep their own handling. :func:`safe_text` strips addresses (URLs, host:port,
IPs, ``host='...'``/``port=...``) and caps the length, so no failure a tenant may read names an
internal address, and no failure nears Temporal's size limit.
"""

from __future__ import annotations

import imaplib
import re
import smtplib
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import anthropic
import httpx
import hvac.exceptions as hvac_errors
import psycopg
import requests
import sqlalchemy.exc as sa_errors

from core.failures import Failure

MAX_MESSAGE = 300
"""Characters of a failure message (type and safe text); details go to the logs."""

_ADDRESS = re.compile(
    r"[a-z][a-z0-9+.-]*://\S+"  # URLs
    r"|(?:host|port|hostaddr|address|url)\s*=\s*(?:'[^']*'|\"[^\"]*\"|[^\s,)]+)"  # key=value
    r"|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"  # IPv4[:port]
    r"|\[[0-9a-f:]+\](?::\d+)?"  # [IPv6][:port]
    r"|\b(?=[a-z0-9.-]*[a-z])[a-z0-9][a-z0-9.-]*:\d{2,5}\b"  # name:port
    r"|\blocalhost\b|\bport \d{2,5}\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Outage:
    """A transient error of one dependency: ``failure`` is the ``ApplicationError`` type,
    ``message`` the tenant-safe text (``"Vault unavailable (ReadTimeout)"``)."""

    failure: Failure
    message: str


def safe_text(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` with every address replaced by ``<address>``, first line only, at most ``limit``
    characters."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    cleaned = _ADDRESS.sub("<address>", first)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen and len(seen) < 10:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def _smtp_transient(e: BaseException) -> bool:
    if isinstance(e, smtplib.SMTPResponseException):
        return 400 <= e.smtp_code < 500
    return isinstance(e, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError)


def _llm_transient(e: BaseException) -> bool:
    if isinstance(e, anthropic.APIConnectionError | anthropic.RateLimitError | anthropic.InternalServerError):
        return True
    return isinstance(e, anthropic.APIStatusError) and (e.status_code == 429 or e.status_code >= 500)


_VAULT_TRANSIENT = (
    hvac_errors.VaultDown,
    hvac_errors.InternalServerError,
    hvac_errors.BadGateway,
    hvac_errors.RateLimitExceeded,
    hvac_errors.VaultNotInitialized,
    requests.ConnectionError,
    requests.Timeout,
)


def _vault_transient(e: BaseException) -> bool:
    return isinstance(e, _VAULT_TRANSIENT)


def _db_transient(e: BaseException) -> bool:
    if isinstance(e, sa_errors.DBAPIError):
        return isinstance(e, sa_errors.OperationalError | sa_errors.InterfaceError) or bool(
            e.connection_invalidated
        )
    return isinstance(e, psycopg.OperationalError | sa_errors.TimeoutError)


_RULES: tuple[tuple[Failure, str, object], ...] = (
    (Failure.DATABASE_UNAVAILABLE, "database", _db_transient),
    (Failure.VAULT_UNAVAILABLE, "Vault", _vault_transient),
    (Failure.AI_RETRYABLE, "Messages API", _llm_transient),
    (Failure.SMTP_UNAVAILABLE, "SMTP server", _smtp_transient),
    (Failure.IMAP_UNAVAILABLE, "IMAP server", lambda e: isinstance(e, imaplib.IMAP4.abort)),
)


def classify(exc: BaseException) -> Outage | None:
    """The dependency outage ``exc`` (or one of its causes) means, or None for any other error.
    A bare network error (refused, reset, DNS, an httpx transport error) is
    ``DependencyUnavailable``; a bare ``TimeoutError`` is not (asyncio raises it for our own waits)."""
    chain = list(_chain(exc))
    for e in chain:
        for failure, name, rule in _RULES:
            if rule(e):  # type: ignore[operator]
                return Outage(failure, f"{name} unavailable ({type(e).__name__})")
    for e in chain:
        if isinstance(e, ConnectionError | socket.gaierror | httpx.TransportError):
            return Outage(Failure.DEPENDENCY_UNAVAILABLE, f"a dependency is unavailable ({type(e).__name__})")
    return None


TRANSIENT = frozenset(
    {
        Failure.DATABASE_UNAVAILABLE,
        Failure.VAULT_UNAVAILABLE,
        Failure.IMAP_UNAVAILABLE,
        Failure.DEPENDENCY_UNAVAILABLE,
        Failure.SMTP_UNAVAILABLE,
        Failure.SMTP_DEFERRED,
        Failure.AI_RETRYABLE,
    }
)
"""``ApplicationError`` types an activity raises for a dependency outage (its own mapping or
:func:`classify`'s): waited out, never non-retryable."""
