"""Request-rate limits per client IP and per tenant, counted in Redis so every API replica draws
on one budget (issue 11, Build 7).

- **Client IP.** ``X-Forwarded-For`` names the client only when the TCP peer is in
  ``limits.trusted_proxies`` (uvicorn's ``ProxyHeadersMiddleware``, applied here and nowhere else:
  uvicorn itself runs with ``--no-proxy-headers``). From any other peer the header is ignored, so
  a spoofed header never buys a fresh budget.
- **Per IP** (``limits.per_ip``): a middleware ahead of authentication, so every request to a
  route counts, 401s included.
- **Per tenant** (``limits.per_tenant``): a guard, after authentication, keyed by the principal's
  ``tenant_id``; a platform operator (no tenant) is counted by its ``sub``.
- **Strategy.** ``limits``' moving window over Redis: each hit is one atomic Lua script (trim,
  count, push), so concurrent requests on any number of replicas never overspend a window.
  Litestar's own ``RateLimitMiddleware`` reads its store then writes it, which races across
  replicas. The window's timestamps come from each replica's clock (keep them NTP-synced).
- **Over the limit:** 429 problem details with ``Retry-After``, whole seconds (at least 1) until
  the oldest request in the window leaves it.
- **Redis down or slower than** ``limits.storage_timeout_s``: **fail open**. The request goes on
  and an error is logged (at most every 30 s per process). These limits damp abuse; they do not
  guard access: authentication, authorization, row-level security, the per-tenant operation cap
  (Postgres) and the body size limit all still hold. Failing closed would turn an outage of one
  cache into an outage of the whole API for every tenant.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from api.errors import TooManyRequestsException
from core.logging import get_logger
from core.settings import LimitSettings

log = get_logger("api.ratelimit")
LOG_EVERY_S = 30.0
"""Fail-open errors are logged at most this often per process (an outage must not flood the logs)."""


def redis_client(s: LimitSettings) -> Redis:
    """One Redis client (pool) for the limiter and the stream slots: short timeouts, no retries
    (a slow Redis must fail open fast, not stall every request)."""
    url = s.storage_url.removeprefix("async+")
    t = s.storage_timeout_s
    return Redis.from_url(url, socket_timeout=t, socket_connect_timeout=t, retry=Retry(NoBackoff(), 0))


class RateLimiter:
    """Moving-window counters in Redis for ``limits.per_ip`` and ``limits.per_tenant``."""

    def __init__(self, s: LimitSettings, client: Redis) -> None:
        pool: Any = client.connection_pool  # limits types its options as scalars; redis-py takes a pool
        self._window = MovingWindowRateLimiter(
            RedisStorage(s.storage_url, implementation="redispy", connection_pool=pool)
        )
        self._timeout = s.storage_timeout_s * 2
        self.per_ip: RateLimitItem = parse(s.per_ip)
        self.per_tenant: RateLimitItem = parse(s.per_tenant)
        self._logged = 0.0

    async def hit(self, item: RateLimitItem, kind: str, key: str) -> None:
        """Count one request for ``(kind, key)``.

        Raises:
            TooManyRequestsException: the window is full (``Retry-After`` in seconds).
        """
        try:
            async with asyncio.timeout(self._timeout):
                if await self._window.hit(item, kind, key):
                    return
                stats = await self._window.get_window_stats(item, kind, key)
        except Exception as e:  # noqa: BLE001 - any storage failure fails open (module docstring)
            self.storage_failed(e)
            return
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise TooManyRequestsException(
            detail=f"rate limit of {item} per {kind} exceeded",
            headers={"Retry-After": str(retry_after)},
            extra={"limit": str(item), "scope": kind},
        )

    def storage_failed(self, e: BaseException) -> None:
        """Log a fail-open storage error (throttled to one every :data:`LOG_EVERY_S`)."""
        now = time.monotonic()
        if now - self._logged >= LOG_EVERY_S:
            self._logged = now
            log.error("abuse limits: Redis unavailable, failing open", error=type(e).__name__)


def limiter_of(scope: Scope) -> RateLimiter | None:
    """The app's limiter (``app.state.rate_limiter``), None before the lifespan built it."""
    return getattr(scope["litestar_app"].state, "rate_limiter", None)


class IpRateLimit(ASGIMiddleware):
    """Per client IP, before authentication (module docstring)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        limiter = limiter_of(scope)
        if limiter is not None:
            client = scope.get("client")
            await limiter.hit(limiter.per_ip, "ip", client[0] if client else "unknown")
        await next_app(scope, receive, send)


def tenant_key(user: Any) -> str | None:
    """``tenant:{tenant_id}``, or ``operator:{sub}`` for a platform operator; None without a principal."""
    if user is None:
        return None
    if getattr(user, "platform", False) or not getattr(user, "tenant_id", ""):
        return f"operator:{user.user_id}"
    return f"tenant:{user.tenant_id}"


async def tenant_rate_limit(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: per tenant, after authentication; routes without a principal are not counted here."""
    limiter = limiter_of(connection.scope)
    key = tenant_key(connection.scope.get("user"))
    if limiter is not None and key is not None:
        await limiter.hit(limiter.per_tenant, "tenant", key)
