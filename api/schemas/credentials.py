"""Request and response bodies of the credential routes (metadata only ever comes back)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.common import NAME, Body


class CredentialRequest(Body):
    service: str = Field(pattern=NAME, max_length=50)
    credential_type: str = Field(pattern=NAME, max_length=50)
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=4096, repr=False)
    site_url: str = Field(
        min_length=1,
        max_length=500,
        description="The site the credential is for; its origin (scheme, host, port) is the only "
        "one it may be used on. https only, unless an operator allowlisted the origin.",
    )
    totp_secret: str | None = Field(
        default=None,
        pattern=r"^[A-Z2-7]{16,128}=*$",
        repr=False,
        description="Base32 TOTP seed for two-factor logins (kept in Vault)",
    )


class CredentialView(BaseModel):
    id: str | None = None
    """For ``GET .../credentials/{id}/access-log``."""
    service: str
    credential_type: str
    vault_path: str
    fingerprint: str
    site_url: str | None
    origin: str | None
    """The registered site origin (``scheme://host[:port]``)."""
    created_at: datetime
    last_rotated_at: datetime | None
    has_totp: bool = False
