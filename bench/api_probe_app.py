"""The API with probes, for explaining ``bench.api_reads``' tails (issue 17): ``--app
bench.api_probe_app:create_app`` (``bench.api_reads --probe FILE``; the hello baseline gets
:func:`create_hello`, the same probes, so both stay like for like).

Each worker process appends one JSON line a second to ``$OMNIOPS_BENCH_PROBE``: ``t`` (epoch s),
``pid``; ``gc``: collections per generation and their pause (total and longest, ms) over that
second, from ``gc.callbacks``; ``cache``: the finished-status cache's hits, misses and expired
entries (api/status_cache.py); ``tokens``: token-cache misses (api/jwt_keys.py); ``pool``: the
engine pool's longest checkout wait (ms), checked-out and overflow connections at the sample
(schema/db.py); ``threads``: the longest queue of the ``asyncio.to_thread`` pool seen (sampled
every 5 ms) and the event loop's longest lag behind that 5 ms tick (ms). Counters only: the probes
cost a few µs per request, the same in every round.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar

PATH = os.environ.get("OMNIOPS_BENCH_PROBE", "/tmp/omniops-api-probe.jsonl")
_c: dict[str, Any] = {}


def _reset() -> None:
    _c.update(  # fmt: skip
        gc_n=[0, 0, 0],
        gc_ms=[0.0, 0.0, 0.0],
        gc_max=[0.0, 0.0, 0.0],
        hits=0,
        misses=0,
        expired=0,
        token_miss=0,
        pool_wait_max=0.0,
        queue_max=0,
        lag_max=0.0,
    )


_reset()
_gc_start = [0.0]


def _on_gc(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _gc_start[0] = time.perf_counter()
        return
    g, ms = info["generation"], (time.perf_counter() - _gc_start[0]) * 1000
    _c["gc_n"][g] += 1
    _c["gc_ms"][g] += ms
    _c["gc_max"][g] = max(_c["gc_max"][g], ms)


def _patch_api() -> None:
    from sqlalchemy.pool import QueuePool

    from api import jwt_keys
    from api.status_cache import StatusCache

    get, tok_get, do_get = StatusCache._entry, jwt_keys.VerifiedTokens.get, QueuePool._do_get

    def cache_get(self: StatusCache, tenant_id: str, op_id: str) -> Any:  # get and body alike
        had = (tenant_id, op_id) in self._items
        v = get(self, tenant_id, op_id)
        _c["hits" if v is not None else "misses"] += 1
        _c["expired"] += had and v is None
        return v

    def token_get(self: Any, token: str) -> Any:
        v = tok_get(self, token)
        _c["token_miss"] += v is None
        return v

    def pool_get(self: QueuePool) -> Any:
        t = time.perf_counter()
        try:
            return do_get(self)
        finally:
            _c["pool_wait_max"] = max(_c["pool_wait_max"], (time.perf_counter() - t) * 1000)

    StatusCache._entry = cache_get  # type: ignore[method-assign]
    jwt_keys.VerifiedTokens.get = token_get  # type: ignore[method-assign]
    QueuePool._do_get = pool_get  # type: ignore[method-assign]


async def _sampler() -> None:
    loop = asyncio.get_running_loop()
    next_write = time.time() + 1
    while True:
        t = loop.time()
        await asyncio.sleep(0.005)
        _c["lag_max"] = max(_c["lag_max"], (loop.time() - t - 0.005) * 1000)
        ex = getattr(loop, "_default_executor", None)
        if ex is not None:
            _c["queue_max"] = max(_c["queue_max"], ex._work_queue.qsize())
        if time.time() >= next_write:
            next_write += 1
            _write()


def _ms(xs: list[float]) -> list[float]:
    return [round(x, 2) for x in xs]


def _write() -> None:
    pool: Any = None
    if _c.get("api"):  # the hello baseline has no engine
        from schema.db import get_engine

        pool = get_engine().pool
    line = {
        "t": round(time.time(), 2),
        "pid": os.getpid(),
        "gc": {"n": _c["gc_n"], "ms": _ms(_c["gc_ms"]), "max": _ms(_c["gc_max"])},
        "cache": {"hits": _c["hits"], "misses": _c["misses"], "expired": _c["expired"]},
        "token_miss": _c["token_miss"],
        "pool": {
            "wait_max_ms": round(_c["pool_wait_max"], 2),
            "out": pool.checkedout() if pool else None,
            "overflow": pool.overflow() if pool else None,
        },
        "threads": {"queue_max": _c["queue_max"], "lag_max_ms": round(_c["lag_max"], 2)},
    }
    with open(PATH, "a") as f:
        f.write(json.dumps(line) + "\n")
    _reset()


@asynccontextmanager
async def _probe(_app: Litestar) -> AsyncIterator[None]:
    gc.callbacks.append(_on_gc)
    task = asyncio.create_task(_sampler())
    try:
        yield
    finally:
        task.cancel()


def create_app() -> Litestar:
    from api.app import create_app as api_app

    _patch_api()
    _c["api"] = True
    app = api_app()
    app._lifespan_managers.append(_probe)
    return app


def create_hello() -> Litestar:
    from bench.hello_app import create_app as hello_app

    app = hello_app()
    app._lifespan_managers.append(_probe)
    return app
