"""Per-scope payload keyrings, cached with a TTL, for the codec (core/codec.py).

A scope is a tenant slug, or None for platform scope. ``crypto.key_cache_s`` bounds how long a
process keeps a keyring: after a rotation, new writes use the new key within that time, without a
restart. A decode naming a key id the cached keyring lacks re-reads that scope once at once (a
payload sealed by another process that already saw the rotation). Vault calls run off the event
loop (``asyncio.to_thread``).

A Vault outage (core/outages.py) does not stop the codec: while Vault cannot be read, the last
keyring read for a scope keeps serving (issue 17, Build 7); a rotation is seen once Vault is back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

from core.crypto import Keyring, UnknownKeyError
from core.keys import (
    KEYRING_PATH,
    KeyringMissing,
    KeyStore,
    ensure_tenant_keyring,
    keyring_path,
    read_keyring,
)
from core.logging import get_logger
from core.outages import classify
from core.settings import Settings
from core.vault import VaultStore

log = get_logger("core.keycache")

T = TypeVar("T")
STALE_WAIT_S = 1.0
"""Seconds a keyring re-read may take before the last keyring of the scope serves instead."""

Scope = str | None
"""A tenant slug, or None for platform scope."""


class KeyringCache:
    def __init__(
        self,
        store: KeyStore,
        *,
        ttl_s: float,
        legacy_decode: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl = ttl_s
        self._legacy_decode = legacy_decode
        self._clock = clock
        self._rings: dict[Scope, tuple[float, Keyring]] = {}
        self._legacy: Keyring | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyringCache:
        """Over this process's Vault token, with ``settings.crypto``'s TTL and legacy switch."""
        c = settings.crypto
        return cls(VaultStore(settings), ttl_s=c.key_cache_s, legacy_decode=c.legacy_decode)

    def _fresh(self, scope: Scope) -> Keyring | None:
        hit = self._rings.get(scope)
        if hit is None or self._clock() - hit[0] >= self._ttl:
            return None
        return hit[1]

    async def _read(self, scope: Scope, fetch: Callable[[], T], kid: str | None = None) -> T | Keyring:
        """``fetch()`` off the event loop. When a last keyring of ``scope`` (holding ``kid``) is
        known, Vault gets :data:`STALE_WAIT_S` to answer; past that, or on an outage, that keyring
        serves (the read finishes in its thread and is dropped)."""
        hit = self._rings.get(scope)
        usable = hit is not None and (kid is None or kid in hit[1].keys)
        try:
            if not usable:
                return await asyncio.to_thread(fetch)
            return await asyncio.wait_for(asyncio.to_thread(fetch), STALE_WAIT_S)
        except Exception as e:
            return self._stale(scope, e, kid)

    def _stale(self, scope: Scope, e: Exception, kid: str | None = None) -> Keyring:
        """The last keyring of ``scope`` when ``e`` is a dependency outage or Vault's slowness
        (and it holds ``kid``); otherwise ``e`` is raised again."""
        hit = self._rings.get(scope)
        outage = isinstance(e, TimeoutError) or classify(e) is not None
        if hit is None or not outage or (kid is not None and kid not in hit[1].keys):
            raise e
        log.warning("Vault unavailable: the codec keeps its last keyring", failure=type(e).__name__)
        return self._keep(scope, hit[1])  # asked again after another TTL, not on every payload

    def _keep(self, scope: Scope, ring: Keyring) -> Keyring:
        self._rings[scope] = (self._clock(), ring)
        return ring

    async def for_encode(self, scope: Scope) -> Keyring:
        """The scope's keyring (its active key seals), created in Vault on first use.
        Raises KeyringMissing when absent and this process may not create it."""
        ring = self._fresh(scope)
        if ring is None:
            ring = self._keep(
                scope, await self._read(scope, lambda: ensure_tenant_keyring(self._store, scope))
            )
        return ring

    async def for_decode(self, scope: Scope, kid: str) -> Keyring:
        """The scope's keyring holding ``kid``: cached, else (or when ``kid`` is unknown to the
        cached copy) re-read once. Raises KeyringMissing (no keyring) or UnknownKeyError."""
        ring = self._fresh(scope)
        if ring is None or kid not in ring.keys:
            found = await self._read(scope, lambda: read_keyring(self._store, keyring_path(scope)), kid)
            if found is None:
                raise KeyringMissing("no payload keyring for this scope")
            ring = self._keep(scope, found)
        if kid not in ring.keys:
            raise UnknownKeyError(kid)
        return ring

    async def legacy(self, kid: str) -> Keyring:
        """The legacy global keyring holding ``kid`` (decode only; read once, again for an
        unknown kid). Raises KeyringMissing when legacy decoding is switched off
        (``crypto.legacy_decode``) or Vault has none, UnknownKeyError for an unknown kid."""
        if not self._legacy_decode:
            raise KeyringMissing("legacy payload decoding is switched off (crypto.legacy_decode)")
        if self._legacy is None or kid not in self._legacy.keys:
            self._legacy = await asyncio.to_thread(read_keyring, self._store, KEYRING_PATH)
        if self._legacy is None:
            raise KeyringMissing("no legacy keyring")
        if kid not in self._legacy.keys:
            raise UnknownKeyError(kid)
        return self._legacy
