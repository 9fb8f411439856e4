"""How the API is served (issue 17, API reads under 50 concurrent clients): ``OMNIOPS_API__*``.

``python -m api`` (api/__main__.py) reads this section; the local stack, the benches, the
Dockerfile and the Helm chart all start the API through it, so they serve it the same way.
"""

from __future__ import annotations

import os

from pydantic import BaseModel, Field


def _cpus() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class ApiServerSettings(BaseModel):
    workers: int = Field(default_factory=_cpus, ge=1, le=64)
    """uvicorn worker processes sharing one listening socket; default one per CPU this process
    may run on. One Python process serves at most about one core (the GIL), so one process
    cannot use a second core however many requests wait (bench/api_reads.py)."""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    keep_alive_s: int = Field(default=30, ge=1)
    """Seconds an idle client connection is kept open (uvicorn ``timeout_keep_alive``)."""
    threads: int = Field(default=10, ge=1, le=64)
    """Threads per worker process for blocking work (``asyncio.to_thread``: every database unit
    of work). Python's default is CPUs + 4 (6 on 2 cores): with database round trips of a few
    ms under load, 50 concurrent requests queued for those threads while the CPU idled. Keep it
    at most the engine pool's 10 kept connections (schema/db.py ``pool_size``): threads beyond
    them use overflow connections, which are opened and closed for each unit of work."""
    backlog: int = Field(default=2048, ge=64)
    """Pending connections the listening socket queues while the workers are busy."""
    status_cache_size: int = Field(default=10_000, ge=0)
    """Finished operations' status views each worker process keeps (api/status_cache.py); 0
    turns the cache off. About 1-2 KB each (a view with its result document)."""
    status_cache_ttl_s: float = Field(default=30.0, ge=0)
    """Seconds a cached finished status is served without reading Postgres again. It bounds how
    long a change to a finished record stays unseen: an erasure (it deletes the row) or retention
    (it deletes the audit row that named the last screenshot) shows after at most this long."""
    token_cache_size: int = Field(default=10_000, ge=0)
    """Bearer tokens whose verified principal each worker process keeps (api/jwt_keys.py
    ``VerifiedTokens``) until the token's ``exp`` (at most ``auth.jwks_cache_s``), so a client's
    repeat requests skip the signature check (about 0.5 ms of CPU each); 0 turns it off."""
    gc_freeze: bool = True
    """Freeze the objects alive after start-up out of garbage collection (api/gc_tuning.py): a
    full collection then no longer walks the ~400,000 objects start-up leaves (measured pauses of
    up to 1.9 s under 50 clients and load 8, bench/api_probe_app.py)."""
    gc_gen0_threshold: int = Field(default=10_000, ge=100, le=1_000_000)
    """Net allocations of tracked objects between two collections of the youngest generation
    (CPython's default: 700), applied with ``gc_freeze``. At 700, 50 concurrent requests' live
    objects were collected 130-260 times per worker per 8 s and promoted toward the old
    generation; at 10,000, 0-2 times (bench/api_probe_app.py). A request frees its objects by
    reference counting, so this bounds only cyclic garbage (about 10,000 objects, a few MB)."""
