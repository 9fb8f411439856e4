"""Request-rate limits per client IP and per tenant, counted in Redis so every API replica draws
on one budget (issue 11, Build 7).

- **Client IP.** ``X-Forwarded-For`` names the client only when the TCP peer is in
  ``limits.trusted_proxies`` (uvicorn's ``ProxyHeadersMiddleware``, applied here and nowhere else:
  uvicorn itself runs with ``--no-proxy-headers``). From any other peer the header is ignored, so
  a spoofed header never buys a fresh budget.
- **Per IP** (``limits.per_ip``): every request to a route counts, 401s included.
- **Per tenant** (``limits.per_tenant``): after authentication, keyed by the principal's
  ``tenant_id``; a platform operator (no tenant) is counted by its ``sub``.
- **One round trip per request.** Both windows are counted by one Lua script (``EVALSHA`` on a
  pooled connection, loaded again if Redis lost it: :meth:`RateLimiter._evalsha`). The per-IP count
  is taken, with the per-tenant one, by :func:`rate_limit` (the app's ``before_request`` hook:
  after the authz guard, before any handler code); :class:`IpRateLimit` (a middleware ahead of
  authentication) only marks the request and counts its IP itself when the hook did not: a 401
  (counted, and a 429 instead when the IP is over its limit, as before), or a request the
  authz matrix refused (403: counted after it).
  The cost of this order: a bearer token is verified before its IP is counted (about 0.5 ms of
  CPU for a well-formed token; malformed ones are refused without verifying).
- **Strategy.** A moving window per key, as the ``limits`` library's: a Redis list of the last
  ``limit`` hit times; a hit is refused when the oldest of them is still inside the window,
  else pushed (trim, expire). The script checks and counts the windows in order (IP, then
  tenant) atomically, so concurrent requests on any number of replicas never overspend a window;
  a request refused by the tenant window has still counted against its IP, as before. The hit
  times come from each replica's clock (keep them NTP-synced). Litestar's own
  ``RateLimitMiddleware`` reads its store then writes it, which races across replicas. The keys
  of one request live on one Redis (not a Redis Cluster: they would cross slots).
- **Over the limit:** 429 problem details with ``Retry-After``, whole seconds (at least 1) until
  the oldest request in the window leaves it (the script returns that time: no second call).
- **Redis down or slower than** ``limits.storage_timeout_s``: **fail open**. The request goes on
  and an error is logged (at most every 30 s per process). These limits damp abuse; they do not
  guard access: authentication, authorization, row-level security, the per-tenant operation cap
  (Postgres) and the body size limit all still hold. Failing closed would turn an outage of one
  cache into an outage of the whole API for every tenant.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from limits import RateLimitItem, parse
from litestar.connection import ASGIConnection
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import NoScriptError

from api.errors import TooManyRequestsException
from core.logging import get_logger
from core.settings import LimitSettings

log = get_logger("api.ratelimit")
LOG_EVERY_S = 30.0
"""Fail-open errors are logged at most this often per process (an outage must not flood the logs)."""
PENDING = "omniops.ratelimit.ip"
"""Scope key: the client IP :class:`IpRateLimit` saw, until a count has included it."""
PREFIX = "omniops:rl"

HIT = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local limit, expiry = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local oldest = redis.call('LINDEX', key, limit - 1)
  if oldest and tonumber(oldest) > now - expiry then
    return {i, oldest}
  end
  redis.call('LPUSH', key, ARGV[1])
  redis.call('LTRIM', key, 0, limit - 1)
  redis.call('EXPIRE', key, expiry)
end
return {0, ''}
"""
"""KEYS: the windows in order; ARGV: now (epoch seconds), then limit and expiry (s) per key.
Returns ``{0, ''}`` when every window counted the hit, else ``{i, oldest}``: window ``i``
(1-based) is full, its oldest hit at ``oldest``; the windows before ``i`` counted it."""

Window = tuple[RateLimitItem, str, str]
"""(limit, kind, key): e.g. ``(per_ip, "ip", "203.0.113.1")``."""


def redis_client(s: LimitSettings) -> Redis:
    """One Redis client (pool) for the limiter and the stream slots: short timeouts, no retries
    (a slow Redis must fail open fast, not stall every request)."""
    url = s.storage_url.removeprefix("async+")
    t = s.storage_timeout_s
    return Redis.from_url(url, socket_timeout=t, socket_connect_timeout=t, retry=Retry(NoBackoff(), 0))


class RateLimiter:
    """Moving-window counters in Redis for ``limits.per_ip`` and ``limits.per_tenant``."""

    def __init__(self, s: LimitSettings, client: Redis) -> None:
        self._pool = client.connection_pool
        self._sha = hashlib.sha1(HIT.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1
        self.per_ip: RateLimitItem = parse(s.per_ip)
        self.per_tenant: RateLimitItem = parse(s.per_tenant)
        self._logged = 0.0

    async def hit(self, *windows: Window) -> None:
        """Count one request in each window, in order, in one round trip.

        Raises:
            TooManyRequestsException: a window is full (``Retry-After`` in seconds).
        """
        if not windows:
            return
        keys = [f"{PREFIX}:{kind}:{key}:{item.amount}/{item.get_expiry()}" for item, kind, key in windows]
        args: list[float | int] = [time.time()]
        for item, _, _ in windows:
            args += [item.amount, item.get_expiry()]
        try:
            full, oldest = await self._evalsha(keys, args)
        except Exception as e:  # noqa: BLE001 - any storage failure fails open (module docstring)
            self.storage_failed(e)
            return
        if not full:
            return
        item, kind, _ = windows[int(full) - 1]
        retry_after = max(1, math.ceil(float(oldest) + item.get_expiry() - time.time()))
        raise TooManyRequestsException(
            detail=f"rate limit of {item} per {kind} exceeded",
            headers={"Retry-After": str(retry_after)},
            extra={"limit": str(item), "scope": kind},
        )

    async def _evalsha(self, keys: list[str], args: list[float | int]) -> Any:
        """The script's reply, on a connection of the client's pool through redis-py's connection
        API (send, read): without ``Redis.execute_command``'s per-command layers (retry and
        observability bookkeeping, deprecation checks: a third of the call's CPU, issue 17). The
        connect, the write and the read are each bounded by ``limits.storage_timeout_s`` (the
        client's socket timeouts). A Redis that lost the script (a restart, ``SCRIPT FLUSH``) is
        given it again, once."""
        conn = await self._pool.get_connection()
        try:
            for attempt in (1, 2):
                await conn.send_command("EVALSHA", self._sha, len(keys), *keys, *args)
                try:
                    return await conn.read_response()
                except NoScriptError:
                    if attempt == 2:
                        raise
                    await conn.send_command("SCRIPT", "LOAD", HIT)
                    await conn.read_response()
        finally:
            await self._pool.release(conn)

    def storage_failed(self, e: BaseException) -> None:
        """Log a fail-open storage error (throttled to one every :data:`LOG_EVERY_S`)."""
        now = time.monotonic()
        if now - self._logged >= LOG_EVERY_S:
            self._logged = now
            log.error("abuse limits: Redis unavailable, failing open", error=type(e).__name__)


def limiter_of(scope: Scope) -> RateLimiter | None:
    """The app's limiter (``app.state.rate_limiter``), None before the lifespan built it."""
    return getattr(scope["litestar_app"].state, "rate_limiter", None)


def _take_pending(scope: Any) -> str | None:
    ip: str | None = scope.pop(PENDING, None)
    return ip


class IpRateLimit(ASGIMiddleware):
    """Marks the client IP for :func:`rate_limit`, and counts it when no guard did (module
    docstring): after a refusal before the guards (401: 429 instead when over the limit) or
    after a response the guards ended (403)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        limiter = limiter_of(scope)
        if limiter is None:
            await next_app(scope, receive, send)
            return
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        raw: Any = scope
        raw[PENDING] = ip
        try:
            await next_app(scope, receive, send)
        except Exception:
            if _take_pending(raw) is not None:
                await limiter.hit((limiter.per_ip, "ip", ip))
            raise
        if _take_pending(raw) is not None:
            try:
                await limiter.hit((limiter.per_ip, "ip", ip))
            except TooManyRequestsException:
                pass  # the response has gone: counted, and the next request is refused


def tenant_key(user: Any) -> str | None:
    """``tenant:{tenant_id}``, or ``operator:{sub}`` for a platform operator; None without a principal."""
    if user is None:
        return None
    if getattr(user, "platform", False) or not getattr(user, "tenant_id", ""):
        return f"operator:{user.user_id}"
    return f"tenant:{user.tenant_id}"


async def rate_limit(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """The app's ``before_request`` hook (after the guards, before the handler's parameters,
    body and dependencies): the request's IP marked by :class:`IpRateLimit` and, with a principal,
    its tenant, counted in one round trip; a route without a principal counts the IP alone. Not a
    guard: Litestar hands every guard its own copy of the route handler, about as much CPU as
    the rest of a cached status read (issue 17, bench/api_profile.py)."""
    limiter = limiter_of(connection.scope)
    if limiter is None:
        return
    windows: list[Window] = []
    if (ip := _take_pending(connection.scope)) is not None:
        windows.append((limiter.per_ip, "ip", ip))
    if (key := tenant_key(connection.scope.get("user"))) is not None:
        windows.append((limiter.per_tenant, "tenant", key))
    await limiter.hit(*windows)
