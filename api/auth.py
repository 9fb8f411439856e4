"""JWT bearer auth: tokens carry tenant, user (``sub``) and roles.

Dev mode signs HS256 tokens with ``settings.auth.jwt_secret``; mint one with
``python -m api.tokens --tenant demo --user alice --roles admin``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.security.jwt import JWTAuth, Token

from api.errors import PermissionDeniedException
from core.settings import Settings

TENANT_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. A tenant user has ``tenant_id`` and tenant roles; a platform
    operator (issue 11) has ``platform=True``, ``tenant_id=""`` and the operator role, which is
    honoured only from a platform identity, never from a tenant's token."""

    user_id: str
    tenant_id: str
    roles: frozenset[str]
    platform: bool = False
    issuer: str = ""

    def has_any(self, roles: tuple[str, ...] | frozenset[str]) -> bool:
        return bool(self.roles & set(roles))


def mint_token(settings: Settings, tenant: str, user: str, roles: list[str], ttl_s: int = 3600) -> str:
    if not TENANT_RE.match(tenant):
        raise ValueError(f"invalid tenant id {tenant!r} (lowercase letters, digits and '-')")
    if settings.auth.jwt_secret is None:
        raise ValueError("OMNIOPS_AUTH__JWT_SECRET is not set")
    return Token(
        exp=datetime.now(UTC) + timedelta(seconds=ttl_s),
        sub=user,
        iss=settings.auth.issuer,
        extras={"tenant": tenant, "roles": roles},
    ).encode(settings.auth.jwt_secret.get_secret_value(), "HS256")


async def retrieve_principal(token: Token, _: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    tenant, roles = token.extras.get("tenant"), token.extras.get("roles", [])
    if not isinstance(tenant, str) or not TENANT_RE.match(tenant) or not isinstance(roles, list):
        return None
    return Principal(user_id=token.sub, tenant_id=tenant, roles=frozenset(map(str, roles)))


def jwt_auth(settings: Settings) -> JWTAuth[Principal]:
    if settings.auth.jwt_secret is None:
        raise RuntimeError("OMNIOPS_AUTH__JWT_SECRET is not set; the API cannot authenticate requests")
    return JWTAuth[Principal](
        retrieve_user_handler=retrieve_principal,
        token_secret=settings.auth.jwt_secret.get_secret_value(),
        algorithm="HS256",
        accepted_issuers=[settings.auth.issuer],
        exclude=["^/schema", "^/healthz", "^/t/"],
    )


def require_role(principal: Principal, roles: tuple[str, ...], what: str) -> None:
    if not principal.has_any(roles):
        raise PermissionDeniedException(f"{what} needs one of the roles: {', '.join(roles)}")
