"""Apps with small abuse limits (api/abuse.py) for tests/integration/test_rate_limits.py and
test_stream_limits.py: each app is one API replica; replicas share the test stack's Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis

from api.auth import Principal
from api.schemas.operations import OperationView
from api.services.operation_status import OperationStatusService
from core.settings import get_settings


def flush_redis() -> None:
    """Empty the test stack's Redis (counters and stream slots of earlier tests)."""
    url = get_settings().limits.storage_url.removeprefix("async+")
    with redis.Redis.from_url(url) as r:
        r.flushdb()


@asynccontextmanager
async def replica(**limits: Any) -> AsyncIterator[Any]:
    """An in-process API (``AsyncTestClient``, lifespan run) with ``limits`` overriding
    ``Settings.limits``; its peer address is ``testclient``."""
    from litestar.testing import AsyncTestClient

    from api.app import create_app

    base = get_settings()
    settings = base.model_copy(update={"limits": base.limits.model_copy(update=limits)})
    async with AsyncTestClient(app=create_app(settings), timeout=30) as client:
        yield client


class EndlessOperation(OperationStatusService):
    """Stands in for ``op_status`` (api/services/operation_status.py): every id is an operation in
    progress whose stream sends one event and then waits (the streams' caps are under test)."""

    def __init__(self) -> None:
        pass

    async def status(self, p: Principal, raw_id: str) -> OperationView:
        return OperationView(
            operation_id=raw_id, workflow_id=f"op-{p.tenant_id}-{raw_id}", status="in_progress"
        )

    async def watch(self, p: Principal, raw_id: str, first: OperationView) -> AsyncIterator[str]:
        yield first.model_dump_json()
        while True:
            await asyncio.sleep(3600)
