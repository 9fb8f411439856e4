"""Register the custom search attributes (core/search_attributes.py) on a Temporal cluster:
``python -m workers.search_attributes`` (the deploy files' one-shot job, before any worker).

Idempotent: adds only the missing ones (all Keyword) to ``temporal.namespace``; needs no Vault
(a codec-less client). A real cluster refuses workflow starts that set an unregistered attribute,
so the API and workers depend on this job. Exits non-zero when Temporal is unreachable after
``--wait`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client

from core.logging import configure_logging, get_logger
from core.search_attributes import ALL
from core.settings import get_settings
from core.temporal import connect

log = get_logger("workers.search_attributes")


async def register(client: Client, namespace: str) -> list[str]:
    """Add the attributes of :data:`core.search_attributes.ALL` the namespace lacks; returns their names."""
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    missing = [k.name for k in ALL if k.name not in listed.custom_attributes]
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=namespace,
                search_attributes={n: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for n in missing},
            )
        )
    return missing


async def main(wait_s: float) -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            client = await connect(settings, encrypted=False)
            break
        except RuntimeError:
            if time.monotonic() > deadline:
                raise SystemExit(f"Temporal at {settings.temporal.address} unreachable") from None
            await asyncio.sleep(2)
    added = await register(client, settings.temporal.namespace)
    log.info("search attributes registered", added=added, namespace=settings.temporal.namespace)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--wait", type=float, default=120.0, help="seconds to wait for Temporal")
    asyncio.run(main(p.parse_args().wait))
