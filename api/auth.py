"""JWT bearer auth (issue 11): who is calling, from which identity provider.

- **Tenant users** carry ``tenant`` and tenant ``roles`` (:data:`TENANT_ROLES`), signed by the
  tenant identity provider (``auth.issuer``, keys at ``auth.jwks_url``).
- **Platform operators** are not tenant users: the operator role is honoured only from a token
  of the platform identity provider (``auth.platform_issuer``, keys at
  ``auth.platform_jwks_url``). A tenant token that lists ``operator`` gets no such role.
- Every token: header ``kid`` and an allowed ``alg``; claims ``aud`` (= ``auth.audience``),
  ``iss``, ``sub``, ``iat``, ``exp``; ``exp - iat <= auth.max_token_lifetime_s``; clock leeway
  ``auth.leeway_s``. Anything else is 401 (problem details), before any handler runs.

Mint a local token: ``python -m api.tokens --tenant demo --user alice --roles admin`` or
``python -m api.tokens --platform --user ops``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import jwt
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware

from api import jwt_keys
from api.errors import PermissionDeniedException
from api.jwt_keys import Identity, jwk_client, signing_key
from core.settings import Settings
from workflows.ids import is_reserved_tenant

TENANT_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
TENANT_ROLES = frozenset({"viewer", "member", "admin", "owner", "system"})
"""Roles a tenant token may carry; anything else in its ``roles`` claim is dropped."""
OPERATOR = "operator"
PUBLIC_PATHS = ["^/schema", "^/healthz$", "^/metrics$", "^/t/", "^/codec/ui/", "^/hooks/", "^/u/"]
"""Routes without a bearer token: OpenAPI, health, the Prometheus scrape, tracked links (signed
ids) and the Web UI's codec endpoint (an operator capability in its path), signed webhooks
(``/hooks/``: the signature is the authentication), one-click unsubscribe (``/u/``: the token
in the email)."""


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


class TokenVerifier:
    """Verifies bearer tokens against each issuer's JWKS (``PyJWKClient``: cached, refetched
    once on an unknown ``kid``; each resolved key is kept for ``auth.jwks_cache_s`` in a
    :class:`~api.jwt_keys.KeyCache`). A token verified in full for the API's own audience is
    then known by its hash until it expires (``verified``, ``api.token_cache_size``).
    :meth:`verify` raises ``NotAuthorizedException`` (401)."""

    def __init__(self, settings: Settings) -> None:
        a = settings.auth
        if not a.jwks_url or not a.platform_jwks_url:
            raise RuntimeError(
                "auth.jwks_url and auth.platform_jwks_url must be set; the API cannot authenticate"
            )
        self._a = a
        self._clients = {
            a.issuer: self._client(a.jwks_url),
            a.platform_issuer: self._client(a.platform_jwks_url),
        }
        self._platform = {a.issuer: False, a.platform_issuer: True}
        self._keys = jwt_keys.KeyCache(a.jwks_cache_s)
        self.verified = jwt_keys.VerifiedTokens[Principal](settings.api.token_cache_size)

    def _client(self, url: str) -> jwt.PyJWKClient:
        return jwk_client(url, lifespan=self._a.jwks_cache_s, cooldown=self._a.jwks_refresh_cooldown_s)

    def _route(self, token: str) -> tuple[str, str, str, bool]:
        """``(issuer, kid, alg, platform)`` read from the unverified token; 401 when unusable."""
        peeked = jwt_keys.peek(token)
        if peeked is None:
            raise NotAuthorizedException("malformed bearer token")
        header, payload = peeked
        issuer = payload.get("iss")
        platform = self._platform.get(issuer) if isinstance(issuer, str) else None
        if platform is None or not isinstance(issuer, str):
            raise NotAuthorizedException("token from an unknown issuer")
        kid, alg = header.get("kid"), header.get("alg")
        if not isinstance(kid, str) or not isinstance(alg, str) or alg not in self._a.algorithms:
            raise NotAuthorizedException("token needs a kid and an allowed algorithm")
        return issuer, kid, alg, platform

    def key_cached(self, token: str) -> bool:
        """Whether :meth:`verify` needs no key fetch (no I/O: the caller may run it inline)."""
        try:
            issuer, kid, _, _ = self._route(token)
        except NotAuthorizedException:
            return True  # refused without I/O
        return self._keys.get(issuer, kid) is not None

    def verify(self, token: str, audience: str | None = None, max_lifetime_s: int | None = None) -> Principal:
        """The principal of a valid ``token`` for ``audience`` (default ``auth.audience``)."""
        issuer, kid, alg, platform = self._route(token)
        key = self._keys.get(issuer, kid)
        if key is None:
            try:
                key = self._clients[issuer].get_signing_key(kid)
            except jwt.PyJWKClientError:
                raise NotAuthorizedException("token signed with an unknown key") from None
            self._keys.put(issuer, kid, key)
        if key.algorithm_name != alg:
            raise NotAuthorizedException("token algorithm does not match its key")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=audience or self._a.audience,
                issuer=issuer,
                leeway=self._a.leeway_s,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as e:
            raise NotAuthorizedException(f"invalid token: {e}") from None
        longest = max_lifetime_s if max_lifetime_s is not None else self._a.max_token_lifetime_s
        if claims["exp"] - claims["iat"] > longest:
            raise NotAuthorizedException(f"token lifetime exceeds {longest} s")
        principal = principal_from_claims(claims, platform)
        if audience is None and max_lifetime_s is None:  # the bearer check's own terms only
            self.verified.put(token, principal, min(claims["exp"], time.time() + self._a.jwks_cache_s))
        return principal


def principal_from_claims(claims: dict[str, Any], platform: bool) -> Principal:
    """Map verified claims to a :class:`Principal`; raises ``NotAuthorizedException``."""
    sub, roles = claims.get("sub"), claims.get("roles", [])
    if not isinstance(sub, str) or not sub or not isinstance(roles, list):
        raise NotAuthorizedException("token needs sub and a roles list")
    if platform:
        if OPERATOR not in roles:
            raise NotAuthorizedException("platform token without the operator role")
        return Principal(sub, "", frozenset({OPERATOR}), platform=True, issuer=str(claims["iss"]))
    tenant = claims.get("tenant")
    if not isinstance(tenant, str) or not TENANT_RE.match(tenant) or is_reserved_tenant(tenant):
        raise NotAuthorizedException("token needs a valid tenant claim")
    return Principal(sub, tenant, frozenset(map(str, roles)) & TENANT_ROLES, issuer=str(claims["iss"]))


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    """Litestar authentication: ``request.user`` is the :class:`Principal`."""

    def __init__(self, app: Any, verifier: TokenVerifier, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.verifier = verifier

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("a bearer token is required")
        token = token.strip()
        if (known := self.verifier.verified.get(token)) is not None:  # verified in full before
            principal = known
        elif self.verifier.key_cached(token):  # about 0.5 ms of CPU: a thread hop would cost more
            principal = self.verifier.verify(token)
        else:  # the issuer's key set is fetched (HTTP or file)
            principal = await anyio.to_thread.run_sync(self.verifier.verify, token)
        return AuthenticationResult(user=principal, auth=token)


def auth_middleware(settings: Settings) -> DefineMiddleware:
    return DefineMiddleware(BearerAuthMiddleware, verifier=TokenVerifier(settings), exclude=PUBLIC_PATHS)


def _mint(
    settings: Settings, identity: Identity, claims: dict[str, Any], ttl_s: int, audience: str | None
) -> str:
    if settings.auth.local_keys_dir is None:
        raise ValueError("auth.local_keys_dir is not set: tokens are minted by the identity provider")
    kid, key = signing_key(settings.auth.local_keys_dir, identity)
    now = int(time.time())
    body = {"iat": now, "exp": now + ttl_s, "aud": audience or settings.auth.audience, **claims}
    return jwt.encode(body, key, algorithm="ES256", headers={"kid": kid})


def mint_token(settings: Settings, tenant: str, user: str, roles: list[str], ttl_s: int = 3600) -> str:
    """A tenant user's token signed with the local tenant key (local stack and tests)."""
    if not TENANT_RE.match(tenant) or is_reserved_tenant(tenant):
        raise ValueError(f"invalid tenant id {tenant!r} (lowercase letters, digits and '-'; not reserved)")
    claims = {"iss": settings.auth.issuer, "sub": user, "tenant": tenant, "roles": roles}
    return _mint(settings, "tenant", claims, ttl_s, None)


def mint_platform_token(settings: Settings, user: str, ttl_s: int = 3600, audience: str | None = None) -> str:
    """A platform operator's token signed with the local platform key (local stack and tests)."""
    claims = {"iss": settings.auth.platform_issuer, "sub": user, "roles": [OPERATOR]}
    return _mint(settings, "platform", claims, ttl_s, audience)


def require_role(principal: Principal, roles: tuple[str, ...], what: str) -> None:
    if not principal.has_any(roles):
        raise PermissionDeniedException(f"{what} needs one of the roles: {', '.join(roles)}")
