"""The SMTP side of the outbox: connect (STARTTLS, login with the password from Vault), the
envelope and content in DATA without the final ``.``, and the message itself. The final ``.``
is sent by :mod:`activities.email`, after the row is committed ``sent``.
"""

from __future__ import annotations

import re
import smtplib
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.policy import Policy
from email.utils import formatdate
from typing import Any

from temporalio.exceptions import ApplicationError

from core.failures import Failure
from core.settings import EmailSettings
from core.vault import VaultStore


class SmtpRefused(Exception):
    """The server answered a command with ``code`` (not the expected 250/251/354)."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code} {text}")
        self.code = code


def connect(cfg: EmailSettings, vault: VaultStore | None) -> smtplib.SMTP:
    """An open session (EHLO, STARTTLS when configured, LOGIN with Vault's ``smtp`` password when
    a username is set). A username without a password in Vault is a non-retryable ``SmtpConfig``."""
    smtp = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout_s)
    smtp.ehlo()
    if cfg.smtp_starttls:
        smtp.starttls()
        smtp.ehlo()
    if cfg.smtp_username:
        secret = (vault.read("smtp") if vault else None) or {}
        if "password" not in secret:
            raise ApplicationError(
                "SMTP username is set but Vault has no smtp password",
                type=Failure.SMTP_CONFIG,
                non_retryable=True,
            )
        smtp.login(cfg.smtp_username, secret["password"])
    return smtp


def envelope(smtp: smtplib.SMTP, from_address: str, message: bytes, to_email: str) -> None:
    """MAIL, RCPT, DATA and the dot-stuffed content; raises :class:`SmtpRefused` on a refusal."""
    _expect(*smtp.mail(from_address), ok=(250, 251))
    _expect(*smtp.rcpt(to_email), ok=(250, 251))
    smtp.putcmd("data")
    _expect(*smtp.getreply(), ok=(354,))
    smtp.send(re.sub(rb"(?m)^\.", b"..", message))


def _expect(code: int, text: bytes, ok: tuple[int, ...]) -> None:
    if code not in ok:
        raise SmtpRefused(code, text.decode(errors="replace")[:200])


class UriListHeader(UnstructuredHeader):
    """A ``<uri>, <uri>`` header (``List-Unsubscribe``, RFC 2369) folded only between its URIs,
    never into RFC 2047 encoded words: the email package encodes a long unstructured word, and a
    mail client would not read the encoded URIs."""

    def fold(self, *, policy: Policy) -> str:  # type: ignore[override]
        uris = re.findall(r"<[^<>]*>", str(self))
        return f"{self.name}: " + f",{policy.linesep} ".join(uris) + policy.linesep


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", UriListHeader)
POLICY = SMTP_POLICY.clone(header_factory=_HEADERS)
"""SMTP's policy (CRLF), with :class:`UriListHeader` for ``List-Unsubscribe``."""


def message(from_address: str, domain: str, row: Any, extra: dict[str, str]) -> bytes:
    """The RFC 5322 message of an outbox row (its Message-ID, the ``extra`` headers: the
    ``List-Unsubscribe`` pair of core/unsubscribe.py), CRLF-ended."""
    msg = EmailMessage(policy=POLICY)
    msg["From"] = from_address
    msg["To"] = row.to_email
    msg["Subject"] = row.subject
    msg["Message-ID"] = row.message_id
    msg["Date"] = formatdate(localtime=False)
    msg["X-OmniOps-Tenant"] = row.tenant_id
    for name, value in extra.items():
        msg[name] = value
    msg.set_content(row.body)
    data = msg.as_bytes()
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
