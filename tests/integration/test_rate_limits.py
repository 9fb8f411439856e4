"""Abuse limits (issue 11, Build 7) against the test stack's real Redis: a burst split over two API
replicas gets exactly the tenant's limit, per-IP limits count 401s and ignore a spoofed
``X-Forwarded-For`` unless the peer is a trusted proxy (in process and through a real uvicorn),
the body size limit gives 413 (declared or streamed), an unreachable Redis fails open, and a
Redis that lost the counting script (a restart, ``SCRIPT FLUSH``) is given it again.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

import httpx
import pytest
import redis

from api.ratelimit import HIT
from core.settings import get_settings
from tests.integration.helpers import headers
from tests.integration.limit_helpers import flush_redis, replica
from tests.stack_fixtures import PORT_OFFSET

pytestmark = pytest.mark.stack

HIT_SHA = hashlib.sha1(HIT.encode()).hexdigest()  # noqa: S324 - Redis names scripts by SHA-1
ROUTE = "/api/autonomous/services"  # authenticated, cheap (the definitions registry)
PLAIN, PROXIED = 18005 + PORT_OFFSET, 18006 + PORT_OFFSET
"""Ports of the two uvicorn-served replicas: beside the stack's API (18000 + offset; offsets are
multiples of 10), so stacks of other offsets never clash with them."""


@pytest.fixture(autouse=True)
def _clean(infra: Any) -> None:
    flush_redis()


def assert_429(r: httpx.Response, window_s: int = 60) -> None:
    assert r.status_code == 429, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["title"] == "Too Many Requests"
    assert 1 <= int(r.headers["retry-after"]) <= window_s


async def test_a_burst_over_two_replicas_gets_exactly_the_tenant_limit(tenant: str) -> None:
    async with replica(per_tenant="10/minute") as a, replica(per_tenant="10/minute") as b:
        h = headers(tenant, roles=("viewer",))
        burst = await asyncio.gather(*(c.get(ROUTE, headers=h) for _ in range(15) for c in (a, b)))
        codes = [r.status_code for r in burst]
        assert codes.count(200) == 10 and codes.count(429) == 20, codes
        for r in burst:
            if r.status_code == 429:
                assert_429(r)
        other = await b.get(ROUTE, headers=headers(f"{tenant}-b", roles=("viewer",)))
        assert other.status_code == 200, other.text  # another tenant's budget is its own


async def test_per_ip_counts_401s_and_ignores_a_spoofed_forwarded_for(tenant: str) -> None:
    async with replica(per_ip="5/minute") as api:
        unauthenticated = [await api.get(ROUTE) for _ in range(5)]
        assert [r.status_code for r in unauthenticated] == [401] * 5
        assert_429(await api.get(ROUTE, headers=headers(tenant)))
        spoofed = [
            await api.get(ROUTE, headers={**headers(tenant), "X-Forwarded-For": f"203.0.113.{i}"})
            for i in range(1, 11)
        ]
        assert [r.status_code for r in spoofed] == [429] * 10


async def test_a_trusted_proxy_names_the_client_but_a_prepended_address_does_not(tenant: str) -> None:
    async with replica(per_ip="5/minute", trusted_proxies=("testclient",)) as api:
        first = {**headers(tenant), "X-Forwarded-For": "203.0.113.1"}
        assert [(await api.get(ROUTE, headers=first)).status_code for _ in range(5)] == [200] * 5
        assert_429(await api.get(ROUTE, headers=first))
        # the client prepends an address of its own: the proxy appended the real one, which counts
        chained = {**headers(tenant), "X-Forwarded-For": "198.51.100.9, 203.0.113.1"}
        assert_429(await api.get(ROUTE, headers=chained))
        fresh = {**headers(tenant), "X-Forwarded-For": "203.0.113.2"}
        assert (await api.get(ROUTE, headers=fresh)).status_code == 200  # another client


async def test_through_uvicorn_forwarded_for_counts_only_from_a_trusted_peer(infra: Any) -> None:
    """The API as the stack starts it (uvicorn, ``--no-proxy-headers``): the peer is 127.0.0.1,
    which uvicorn would trust by default."""
    limits = {"OMNIOPS_LIMITS__PER_IP": "5/minute"}
    trusted = {**limits, "OMNIOPS_LIMITS__TRUSTED_PROXIES": '["127.0.0.1"]'}
    infra.api("api-limits", PLAIN, env=limits)
    infra.api("api-limits-proxied", PROXIED, env=trusted)
    try:
        async with httpx.AsyncClient(timeout=10) as http:

            async def codes(port: int, n: int, spoof: bool) -> list[int]:
                out = []
                for i in range(n):
                    h = {"X-Forwarded-For": f"203.0.113.{i + 1}"} if spoof else {}
                    out.append((await http.get(f"http://127.0.0.1:{port}/healthz", headers=h)).status_code)
                return out

            assert await codes(PLAIN, 5, spoof=False) == [200] * 5
            assert await codes(PLAIN, 10, spoof=True) == [429] * 10  # a new address each time: ignored
            assert await codes(PROXIED, 20, spoof=True) == [200] * 20  # behind a trusted proxy: 20 clients
            one = {"X-Forwarded-For": "203.0.113.1"}  # 1 request so far: 4 left, then 429
            health = f"http://127.0.0.1:{PROXIED}/healthz"
            again = [(await http.get(health, headers=one)).status_code for _ in range(5)]
            assert again == [200] * 4 + [429]

            async def chunks() -> Any:  # no Content-Length: counted as it arrives (default 1 MiB)
                for _ in range(20):
                    yield b"x" * 65536

            h = {**headers("t-chunked"), "X-Forwarded-For": "203.0.113.99"}
            streamed = await http.post(
                f"http://127.0.0.1:{PROXIED}/api/autonomous/initiate", headers=h, content=chunks()
            )
            assert streamed.status_code == 413, streamed.text
            assert streamed.headers["content-type"].startswith("application/problem+json")
    finally:
        infra.stop("api-limits")
        infra.stop("api-limits-proxied")


async def test_a_body_over_the_limit_is_413(tenant: str) -> None:
    async with replica(max_body_bytes=1024) as api:
        h = headers(tenant)
        big = {"service": "wordpress", "operation": "x", "inputs": {"pad": "x" * 2000}}
        r = await api.post("/api/autonomous/initiate", headers=h, json=big)
        assert r.status_code == 413, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        small = await api.post("/api/autonomous/initiate", headers=h, json={"service": "nope"})
        assert small.status_code not in (413, 429), small.text


async def test_redis_unreachable_fails_open(tenant: str) -> None:
    async with replica(
        storage_url="async+redis://127.0.0.1:1/0", per_ip="1/minute", per_tenant="1/minute"
    ) as api:
        started = time.monotonic()
        codes = [(await api.get(ROUTE, headers=headers(tenant))).status_code for _ in range(10)]
        elapsed = time.monotonic() - started
    assert codes == [200] * 10
    assert elapsed < 5, elapsed  # each failing Redis call is bounded by limits.storage_timeout_s


async def test_a_redis_that_lost_the_script_is_given_it_again_and_counts(tenant: str) -> None:
    async with replica(per_tenant="2/minute") as api:
        h = headers(tenant, roles=("viewer",))
        assert (await api.get(ROUTE, headers=h)).status_code == 200  # the script is loaded
        with redis.Redis.from_url(get_settings().limits.storage_url.removeprefix("async+")) as r:
            r.script_flush()
            again = await api.get(ROUTE, headers=h)
            assert again.status_code == 200, again.text
            assert r.script_exists(HIT_SHA) == [True]  # given again, and it counted:
        assert_429(await api.get(ROUTE, headers=h))  # the tenant's third request in its 2 per minute
