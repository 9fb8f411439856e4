"""OAuth 2.0 refresh-token grant (RFC 6749 section 6) for SASL XOAUTH2 mailboxes (Gmail,
Microsoft 365): the refresh token, client id and secret come from Vault; the access token lives
only in the activity's memory. ``httpx`` with no retries of its own (Temporal retries).

:func:`access_token` raises :class:`~activities.inbox.imap.MailboxAuthError` with the status to
record: ``revoked`` (``invalid_grant``: the user or admin revoked the grant), ``token_expired``
(``invalid_grant`` saying the refresh token expired) or ``auth_failed`` (a refused client);
other HTTP or network failures raise :class:`TokenEndpointUnavailable` (retryable).
"""

from __future__ import annotations

import httpx

from activities.inbox.imap import MailboxAuthError


class TokenEndpointUnavailable(RuntimeError):
    """The token endpoint did not answer usefully (5xx, network): retry later."""


def access_token(
    token_url: str, client_id: str, client_secret: str, refresh_token: str, timeout: float
) -> str:
    """A fresh access token for ``refresh_token``."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    try:
        r = httpx.post(token_url, data=form, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as e:
        raise TokenEndpointUnavailable(f"token endpoint: {type(e).__name__}") from None
    body = _json(r)
    if r.status_code == 200 and isinstance(body.get("access_token"), str):
        return str(body["access_token"])
    error, detail = str(body.get("error", "")), str(body.get("error_description", "")).lower()
    if error == "invalid_grant":
        if "expired" in detail and "revoked" not in detail:
            raise MailboxAuthError("token_expired", "the refresh token has expired: reconnect the mailbox")
        raise MailboxAuthError("revoked", "the mailbox's OAuth grant was revoked: reconnect the mailbox")
    if error in ("invalid_client", "unauthorized_client") or r.status_code in (400, 401, 403):
        raise MailboxAuthError("auth_failed", "the token endpoint refused the OAuth client")
    raise TokenEndpointUnavailable(f"token endpoint answered HTTP {r.status_code}")


def _json(r: httpx.Response) -> dict[str, object]:
    try:
        body = r.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
