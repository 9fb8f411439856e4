"""The codec keeps serving while Vault is down or hangs (issue 17, Build 7; core/keycache.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from core.keycache import KeyringCache
from tests.unit.keystore_fake import MemoryKeyStore

VAULT_TIMEOUT = "HTTPConnectionPool(host='127.0.0.1', port=8200): Read timed out. (read timeout=10)"


class _FlakyStore(MemoryKeyStore):
    """A key store whose Vault goes down (reads time out) when ``down`` is set."""

    down = False

    def read(self, path: str) -> dict[str, Any] | None:
        if self.down:
            raise requests.ReadTimeout(VAULT_TIMEOUT)
        return super().read(path)


async def test_the_codec_keeps_its_last_keyring_while_vault_is_down() -> None:
    store, now = _FlakyStore(), [0.0]
    cache = KeyringCache(store, ttl_s=2, clock=lambda: now[0])
    ring = await cache.for_encode("t1")
    kid = ring.active_key_id
    store.down, now[0] = True, 10.0  # the TTL has passed and Vault times out
    assert (await cache.for_encode("t1")).active_key_id == kid
    assert kid in (await cache.for_decode("t1", kid)).keys
    with pytest.raises(requests.ReadTimeout):
        await cache.for_decode("t2", kid)  # nothing known for this scope: the outage shows


async def test_a_hanging_vault_costs_the_codec_at_most_the_stale_wait() -> None:
    class Hanging(MemoryKeyStore):
        hang = False

        def read(self, path: str) -> dict[str, Any] | None:
            if self.hang:
                time.sleep(3)  # a frozen Vault: the read is abandoned in its thread
            return super().read(path)

    store, now = Hanging(), [0.0]
    cache = KeyringCache(store, ttl_s=2, clock=lambda: now[0])
    kid = (await cache.for_encode("t1")).active_key_id
    store.hang, now[0] = True, 10.0
    began = time.monotonic()
    assert kid in (await cache.for_decode("t1", kid)).keys
    assert time.monotonic() - began < 2.5
