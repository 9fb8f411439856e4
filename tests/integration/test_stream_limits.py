"""Server-sent event streams are capped per tenant across replicas and in duration (issue 11,
Build 7; api/streams.py), against the test stack's real Redis. The operation behind the stream is
a stand-in that never ends (limit_helpers.EndlessOperation): the caps are under test here, the
progress stream itself in test_operation_e2e.py.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
import redis

from core.settings import get_settings
from tests.integration.helpers import EventStream, headers
from tests.integration.limit_helpers import EndlessOperation, flush_redis, replica

pytestmark = pytest.mark.stack


@pytest.fixture(autouse=True)
def _clean(infra: Any) -> None:
    flush_redis()


def slots(tenant: str) -> int:
    """Open slots of ``tenant`` in Redis (leases not yet expired or removed)."""
    url = get_settings().limits.storage_url.removeprefix("async+")
    with redis.Redis.from_url(url) as r:
        return int(r.zcard(f"streams:tenant:{tenant}"))


def path() -> str:
    return f"/api/autonomous/{uuid.uuid4()}/events"


async def open_stream(api: Any, tenant: str) -> EventStream:
    stream = EventStream(api, path(), headers(tenant))
    event, data = await stream.next(timeout=10)
    assert (stream.status_code, event, data["status"]) == (200, "progress", "in_progress")
    return stream


async def eventually(cond: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_the_tenant_cap_holds_across_replicas_and_frees_on_disconnect(tenant: str) -> None:
    async with replica(max_streams_per_tenant=2) as a, replica(max_streams_per_tenant=2) as b:
        a.app.state.op_status = b.app.state.op_status = EndlessOperation()
        opened: list[EventStream] = []
        try:
            opened += [await open_stream(a, tenant), await open_stream(b, tenant)]
            assert slots(tenant) == 2
            for api in (a, b):
                refused = await api.get(path(), headers=headers(tenant))
                assert refused.status_code == 429, refused.text
                assert refused.headers["content-type"].startswith("application/problem+json")
                assert int(refused.headers["retry-after"]) > 0
            opened.append(await open_stream(a, f"{tenant}-b"))  # another tenant has its own cap
            opened.pop(0).close()  # the client leaves: its slot is released
            await eventually(lambda: slots(tenant) == 1)
            opened.append(await open_stream(a, tenant))
        finally:
            for s in opened:
                s.close()
        await eventually(lambda: slots(tenant) == 0)


async def test_a_stream_ends_after_its_longest_duration_with_a_reason(tenant: str) -> None:
    async with replica(max_stream_s=1) as api:
        api.app.state.op_status = EndlessOperation()
        started = time.monotonic()
        stream = await open_stream(api, tenant)
        try:
            event, data = await stream.next(timeout=5)
            assert (event, data) == ("end", {"reason": "max_duration", "max_stream_s": 1})
            assert 0.9 < time.monotonic() - started < 3
            await eventually(lambda: slots(tenant) == 0)  # released as the stream ended
            with pytest.raises(AssertionError, match="the stream ended"):
                await stream.next(timeout=5)
        finally:
            stream.close()


async def test_a_crashed_replicas_slot_expires(tenant: str) -> None:
    """A replica that died holding a slot never releases it: its lease (score, ms) runs out."""
    url = get_settings().limits.storage_url.removeprefix("async+")
    with redis.Redis.from_url(url) as r:
        now_ms = int(r.time()[0]) * 1000
        r.zadd(f"streams:tenant:{tenant}", {"crashed-replica": now_ms - 1})
    async with replica(max_streams_per_tenant=1) as api:
        api.app.state.op_status = EndlessOperation()
        stream = await open_stream(api, tenant)
        try:
            assert slots(tenant) == 1  # the expired lease was dropped, this stream holds the one slot
        finally:
            stream.close()
