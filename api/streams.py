"""Caps on server-sent event streams (issue 11, Build 7): at most ``limits.max_streams_per_tenant``
open at once per tenant across every API replica, each at most ``limits.max_stream_s`` long.

A stream holds a *slot*: a member of the Redis sorted set ``streams:{tenant key}`` scored with
its lease's expiry (Redis server time, ms). Taking a slot is one Lua script (drop expired leases,
count, add), so two replicas never both take the last one. The slot is released when the stream
ends or its client leaves (the release is shielded from the cancellation that a disconnect
brings); the stream renews its lease every :data:`RENEW_EVERY_S`, so a slot of a replica that
crashed expires within :data:`LEASE_S`. Redis unreachable: the stream opens without a slot and an
error is logged (fail open, as api/ratelimit.py explains).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import anyio
from litestar.response import ServerSentEventMessage
from redis.asyncio import Redis

from api.errors import TooManyRequestsException
from api.ratelimit import RateLimiter, tenant_key
from core.settings import LimitSettings

LEASE_S = 30
"""A slot's lease, in seconds; an open stream renews it every :data:`RENEW_EVERY_S`."""
RENEW_EVERY_S = 10.0

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""


class StreamSlots:
    """Takes, renews and releases stream slots; wraps a stream in the duration cap."""

    def __init__(self, s: LimitSettings, client: Redis | None, limiter: RateLimiter | None) -> None:
        self._cap, self._max_s = s.max_streams_per_tenant, s.max_stream_s
        self._redis, self._limiter = client, limiter
        self._timeout = s.storage_timeout_s * 2
        self._acquire = client.register_script(_ACQUIRE) if client else None
        self._renew = client.register_script(_RENEW) if client else None

    async def acquire(self, user: Any) -> tuple[str, str] | None:
        """A slot ``(key, member)`` for the principal's tenant; None when there is no cap
        (limits off) or Redis failed (fail open).

        Raises:
            TooManyRequestsException: the tenant already has ``max_streams_per_tenant`` open.
        """
        if self._acquire is None or (who := tenant_key(user)) is None:
            return None
        slot = (f"streams:{who}", uuid.uuid4().hex)
        try:
            async with asyncio.timeout(self._timeout):
                taken = await self._acquire(keys=[slot[0]], args=[slot[1], self._cap, LEASE_S * 1000])
        except Exception as e:  # noqa: BLE001 - fail open
            self._failed(e)
            return None
        if not taken:
            raise TooManyRequestsException(
                detail=f"at most {self._cap} event streams may be open at once per tenant",
                headers={"Retry-After": str(LEASE_S)},
                extra={"limit": self._cap, "scope": "streams"},
            )
        return slot

    async def capped(
        self, slot: tuple[str, str] | None, events: AsyncIterator[ServerSentEventMessage]
    ) -> AsyncIterator[ServerSentEventMessage]:
        """``events`` until they end or ``max_stream_s`` passes; then a final ``end`` event with
        ``{"reason": "max_duration", "max_stream_s": N}``. Releases ``slot`` however it ends."""
        deadline = asyncio.get_running_loop().time() + self._max_s
        pending: asyncio.Future[ServerSentEventMessage] | None = None
        try:
            while (left := deadline - asyncio.get_running_loop().time()) > 0:
                pending = pending or asyncio.ensure_future(anext(events))
                done, _ = await asyncio.wait({pending}, timeout=min(left, RENEW_EVERY_S))
                if not done:
                    await self._renew_slot(slot)
                    continue
                pending = None
                try:
                    message = done.pop().result()
                except StopAsyncIteration:
                    return
                yield message
            body = {"reason": "max_duration", "max_stream_s": self._max_s}
            yield ServerSentEventMessage(event="end", data=json.dumps(body))
        finally:
            with anyio.CancelScope(shield=True):
                if pending is not None:
                    pending.cancel()
                    await asyncio.gather(pending, return_exceptions=True)
                elif (aclose := getattr(events, "aclose", None)) is not None:
                    await aclose()
                await self.release(slot)

    async def release(self, slot: tuple[str, str] | None) -> None:
        """Give the slot back (nothing for None); a failure is logged, the lease then expires."""
        if slot is None or self._redis is None:
            return
        try:
            async with asyncio.timeout(self._timeout):
                await self._redis.zrem(slot[0], slot[1])
        except Exception as e:  # noqa: BLE001 - the lease expires on its own
            self._failed(e)

    async def _renew_slot(self, slot: tuple[str, str] | None) -> None:
        if slot is None or self._renew is None:
            return
        try:
            async with asyncio.timeout(self._timeout):
                await self._renew(keys=[slot[0]], args=[slot[1], LEASE_S * 1000])
        except Exception as e:  # noqa: BLE001 - fail open
            self._failed(e)

    def _failed(self, e: BaseException) -> None:
        if self._limiter is not None:
            self._limiter.storage_failed(e)
