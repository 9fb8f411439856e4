"""One IMAP session over ``imapclient`` (issue 13 Build 1): connect with the connection's TLS
mode, log in with a password or SASL XOAUTH2, select the folder read-only, and fetch by UID.
No hand-written protocol code; no FLAGS are changed (BODY.PEEK, read-only select).

Errors: :class:`MailboxAuthError` (``status`` is the connection status to record:
``auth_failed``); :func:`provider_limit` tells a quota or rate-limit answer (RFC 5530 ``[LIMIT]``,
``[OVERQUOTA]``, Gmail/Microsoft ``[THROTTLED]``, "too many connections") from the rest, and
a login refused for one of those is :class:`MailboxLimitError`, not an auth failure; other socket
and protocol errors propagate (the activity retries them).
"""

from __future__ import annotations

import re
import ssl
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

_LIMIT = re.compile(
    r"\[(?:OVERQUOTA|THROTTLED|LIMIT)\]|too many (?:simultaneous |concurrent )?connections"
    r"|maximum number of connections|rate limit|quota exceeded|bandwidth limit",
    re.IGNORECASE,
)
TLS_MODES = ("ssl", "starttls", "none")
MESSAGE_ID_FIELD = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
_MID_LINE = re.compile(rb"message-id:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*", re.IGNORECASE)
PARTIAL_FIELD = b"BODY[]<0>"
"""How a partial ``BODY.PEEK[]<0.n>`` comes back (Dovecot, RFC 3501 7.4.2: the origin octet)."""


class MailboxAuthError(Exception):
    """The server refused the login; ``status`` is the connection status, ``str()`` the reason
    (never the secret)."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class MailboxLimitError(Exception):
    """The server refused for a quota or rate limit; ``str()`` is the server's words (no secret)."""


def quiet_protocol_log(c: IMAPClient) -> None:
    """Turn off imaplib's protocol trace on ``c``'s connection (``IMAP4.debug``, which imapclient
    sets to 5 to feed its DEBUG logger ``imapclient.imaplib``). At 5 imaplib formats every line it
    reads, ``%r`` of every FETCH literal and ``%s`` of each FETCH's whole answer BEFORE the logger
    decides to drop them: about 27 us a message of the capture's reader (session 30's py-spy
    profile), and the raw mail (and the LOGIN line) in strings no one should log anyway. Our
    worker never logs that logger; imapclient's own command log (``imapclient`` logger) stays."""
    c._imap.debug = 0  # imapclient's imaplib.IMAP4 (no public setter)


def provider_limit(error: BaseException) -> str | None:
    """The server's quota / rate-limit answer in ``error`` (at most 200 chars), else None."""
    text = str(error)
    return " ".join(text.split())[:200] if _LIMIT.search(text) else None


class MailboxSession:
    """``with MailboxSession(host, port, tls, timeout) as m: m.login(...); m.select(...)``."""

    def __init__(self, host: str, port: int, tls: str, timeout: float) -> None:
        if tls not in TLS_MODES:
            raise ValueError(f"tls must be one of {TLS_MODES}")
        ctx = ssl.create_default_context() if tls != "none" else None  # loading the CA store: ~10 ms
        self._c = IMAPClient(host, port=port, ssl=tls == "ssl", ssl_context=ctx, timeout=timeout)
        quiet_protocol_log(self._c)
        if tls == "starttls":
            self._c.starttls(ctx)

    def __enter__(self) -> MailboxSession:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._c.logout()
        except Exception:  # noqa: BLE001, S110 - best effort on a session that is going away
            pass

    def login(self, username: str, password: str) -> None:
        try:
            self._c.login(username, password)
        except LoginError as e:
            if (limit := provider_limit(e)) is not None:
                raise MailboxLimitError(limit) from None
            raise MailboxAuthError(
                "auth_failed", "the mail server refused the username or password"
            ) from None

    def oauth2_login(self, username: str, access_token: str) -> None:
        """SASL XOAUTH2 with an access token (Gmail, Microsoft 365)."""
        try:
            self._c.oauth2_login(username, access_token)
        except LoginError as e:
            if (limit := provider_limit(e)) is not None:
                raise MailboxLimitError(limit) from None
            raise MailboxAuthError("auth_failed", "the mail server refused the OAuth access token") from None

    def select(self, folder: str) -> tuple[int, int]:
        """Select ``folder`` read-only; ``(UIDVALIDITY, UIDNEXT)``."""
        info: dict[bytes, Any] = self._c.select_folder(folder, readonly=True)
        return int(info[b"UIDVALIDITY"]), int(info.get(b"UIDNEXT", 0))

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs greater than ``last_uid``, ascending (``UID SEARCH UID n:*`` also answers the
        highest UID when none is greater: filtered out here)."""
        found = self._c.search(["UID", f"{last_uid + 1}:*"])
        return sorted(u for u in found if u > last_uid)

    def sized_bodies(self, uids: list[int], prefix: int) -> dict[int, tuple[int, bytes | None]]:
        """``{uid: (RFC822.SIZE, the message's first ``prefix`` bytes)}`` in ONE round trip
        (``UID FETCH (RFC822.SIZE BODY.PEEK[]<0.prefix>)``; the \\Seen flag stays): a message
        shorter than ``prefix`` comes back whole, a longer one cut at ``prefix`` (RFC 3501
        partial fetch, answered as ``BODY[]<0>``), so one FETCH holds at most ``prefix`` bytes a
        message whatever the mailbox holds. None for bytes the server did not answer (the caller
        fetches that message whole)."""
        if not uids:
            return {}
        got = self._c.fetch(uids, ["RFC822.SIZE", f"BODY.PEEK[]<0.{prefix}>"])
        return {
            uid: (int(item[b"RFC822.SIZE"]), None if (raw := item.get(PARTIAL_FIELD)) is None else bytes(raw))
            for uid, item in got.items()
            if b"RFC822.SIZE" in item
        }

    def heads(self, uids: list[int]) -> dict[int, tuple[bytes, bytes]]:
        """``{uid: (header block, Message-ID header lines)}`` (for oversized messages: their
        content hash and dedupe key without the body; one round trip)."""
        if not uids:
            return {}
        got = self._c.fetch(uids, ["BODY.PEEK[HEADER]", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
        return {
            uid: (bytes(item.get(b"BODY[HEADER]") or b""), bytes(item.get(MESSAGE_ID_FIELD) or b""))
            for uid, item in got.items()
        }

    def bodies(self, uids: list[int]) -> dict[int, tuple[bytes, bytes]]:
        """``{uid: (whole RFC 5322 bytes, Message-ID header lines)}`` in ONE round trip
        (``BODY.PEEK[]``: the \\Seen flag stays). The Message-ID lines are cut from the header
        block by :func:`message_id_lines` (no MIME parse, no second literal a message to parse)."""
        if not uids:
            return {}
        got = self._c.fetch(uids, ["BODY.PEEK[]"])
        return {
            uid: (raw, message_id_lines(raw))
            for uid, item in got.items()
            if (raw := item.get(b"BODY[]")) is not None
        }


def header_end(raw: bytes) -> int:
    """Where ``raw``'s header block ends: the start of its first blank line's line break
    (``\\r?\\n\\r?\\n``, leftmost), ``len(raw)`` if none. Two C ``find`` scans (session 30: the
    regex search cost about 7 us a 2 KB message, the capture's reader thread)."""
    crlf = raw.find(b"\n\r\n")
    lf = raw.find(b"\n\n", 0, crlf + 1 if crlf >= 0 else len(raw))  # only one before ``crlf``
    i = lf if lf >= 0 else crlf
    if i < 0:
        return len(raw)
    return i - 1 if i > 0 and raw[i - 1] == 13 else i


def message_id_lines(raw: bytes) -> bytes:
    """The ``Message-ID:`` lines of ``raw``'s header block with their continuation lines, CRLF
    ended: what ``BODY[HEADER.FIELDS (MESSAGE-ID)]`` answers, minus its blank line (b"" if none).
    No MIME parse: each ``message-id:`` at a line start is found by a C ``find`` in the
    lower-cased header block and matched there (session 28: the second literal a message cost
    the capture's IMAP parse more than this; session 30: a case-insensitive regex scan of the
    block cost about 5 us a message)."""
    head = raw[: header_end(raw)]
    low, out, at = head.lower(), [], 0
    while (i := low.find(b"message-id:", at)) >= 0:
        at = i + 11
        if i == 0 or low[i - 1] == 10:  # at a line start
            m = _MID_LINE.match(head, i)
            if m is not None:
                out.append(m.group(0).rstrip(b"\r") + b"\r\n")
                at = m.end()
    return b"".join(out)
