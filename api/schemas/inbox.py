"""Request and response bodies of the mailbox connection routes (issue 13 Build 1). Secrets go in,
never out: a view carries the Vault path and a keyed fingerprint only."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator

from api.schemas.common import Body

_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST = rf"^{_LABEL}(\.{_LABEL})*$"
"""A DNS name or a dotted IPv4 address (the target checks decide whether it may be reached)."""


class ConnectionRequest(Body):
    """``auth_kind`` ``password``: ``password`` (an app password). ``xoauth2`` (Gmail,
    Microsoft 365): ``client_id``, ``client_secret``, ``refresh_token`` and either ``provider``
    (``gmail`` or ``microsoft365``: the token URL is the operator's ``inbox.oauth_token_urls``
    entry) or an explicit ``token_url`` (e.g. ``https://oauth2.googleapis.com/token``); the sync
    exchanges the refresh token for an access token and logs in with SASL XOAUTH2. A missing field
    for the chosen kind is a 400 naming it."""

    host: str = Field(pattern=HOST, max_length=253)
    port: int = Field(default=993, ge=1, le=65535)
    tls: Literal["ssl", "starttls", "none"] = "ssl"
    """``none`` (plaintext) only for an origin an operator allowlisted (the local stack)."""
    username: str = Field(min_length=1, max_length=320)
    folder: str = Field(default="INBOX", min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    auth_kind: Literal["password", "xoauth2"] = "password"
    password: SecretStr | None = Field(default=None, min_length=1, max_length=4096)
    client_id: str | None = Field(default=None, min_length=1, max_length=500)
    client_secret: SecretStr | None = Field(default=None, min_length=1, max_length=4096)
    refresh_token: SecretStr | None = Field(default=None, min_length=1, max_length=8192)
    token_url: str | None = Field(default=None, min_length=1, max_length=500)
    provider: Literal["gmail", "microsoft365"] | None = None

    @model_validator(mode="after")
    def _fields_of_kind(self) -> ConnectionRequest:
        need = (
            ("password",) if self.auth_kind == "password" else ("client_id", "client_secret", "refresh_token")
        )
        for name in need:
            if getattr(self, name) is None:
                raise ValueError(f"{name} is required when auth_kind is {self.auth_kind}")
        oauth = ("token_url", "provider")
        if self.auth_kind == "password" and any(getattr(self, n) is not None for n in oauth):
            raise ValueError("token_url and provider are only for auth_kind xoauth2")
        if self.auth_kind == "xoauth2" and (self.token_url is None) == (self.provider is None):
            raise ValueError("token_url or provider (one of them) is required when auth_kind is xoauth2")
        return self

    def secret(self) -> dict[str, str]:
        """What goes to Vault."""
        if self.auth_kind == "password":
            assert self.password is not None
            return {"password": self.password.get_secret_value()}
        assert self.client_secret is not None and self.refresh_token is not None
        return {
            "client_id": str(self.client_id),
            "client_secret": self.client_secret.get_secret_value(),
            "refresh_token": self.refresh_token.get_secret_value(),
        }


class ConnectionView(BaseModel):
    id: str
    host: str
    port: int
    tls: str
    username: str
    folder: str
    auth_kind: str
    token_url: str | None
    vault_path: str
    fingerprint: str
    status: str
    """connected, token_expired, revoked, auth_failed or not_configured (checked on every sync)."""
    status_reason: str | None
    uidvalidity: int | None
    last_uid: int
    last_sync_at: datetime | None
    created_at: datetime
    schedule_id: str
    """The 5-minute Temporal Schedule that runs ``MailboxSync``."""


class SyncStarted(BaseModel):
    schedule_id: str
    triggered: bool
