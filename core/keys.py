"""Encryption and fingerprint keys in Vault (KV v2 under ``{mount}/{prefix}/``): layout, creation,
rotation, and the operator CLI ``python -m core.keys rotate --tenant X | --platform``.

Layout (issue 11 items 4 and 6):

- ``keys/tenants/{tenant}/payload``: the tenant's payload keyring, ``{"active": kid, "keys":
  {kid: base64 32 bytes}}``; seals the Temporal payloads of the tenant's workflows (core/codec.py).
- ``keys/platform/payload``: the same for platform-scope workflows (the cycle fan-out).
- ``keys/tenants/{tenant}/fingerprint``: ``{"key": base64 32 bytes}``, the HMAC key of the
  tenant's credential fingerprints (core/vault.py ``fingerprint``).
- ``keys/tenants/{tenant}/unsubscribe``: ``{"key": base64 32 bytes}``, the HMAC key of the
  tenant's one-click unsubscribe tokens (core/unsubscribe.py).
- ``keys/payload``: the legacy global keyring (:data:`KEYRING_PATH`). Payloads sealed with it
  before issue 11 still decode; nothing encodes payloads with it again. It opens object-store
  blobs sealed before issue 16; since then each operation's screenshots and checkpoints have the
  operation's own keyring (``keys/tenants/{tenant}/operations/{op}``, core/operation_keys.py).

Keyrings and fingerprint keys are created on first use, race-safe: a KV v2 check-and-set
``cas=0`` write (only one writer wins; the services' policy has ``create`` but not ``update``
there), then a re-read, so every process ends up with the winner's key. Only an operator token
rotates (adds a key and makes it active; old keys stay for decryption).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import time
from typing import Any, Protocol

from hvac.exceptions import Forbidden, InvalidRequest

from core.crypto import Keyring
from core.settings import Settings, get_settings
from core.vault import VaultStore

KEYRING_PATH = "keys/payload"
"""The legacy global keyring (decode-only for payloads; the object store's key)."""
PLATFORM_KEYRING_PATH = "keys/platform/payload"
_TENANT = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_KID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class KeyStore(Protocol):
    """What the key functions need of a store (``VaultStore``; an in-memory fake in tests)."""

    def read(self, path: str) -> dict[str, Any] | None: ...

    def create(self, path: str, data: dict[str, Any]) -> bool: ...

    def write(self, path: str, data: dict[str, Any]) -> int: ...


class KeyringMissing(RuntimeError):
    """No keyring for a scope, and this process may not create one (or decode needs one)."""


def _tenant(tenant: str) -> str:
    if not _TENANT.match(tenant):
        raise ValueError("not a tenant slug (^[a-z0-9][a-z0-9-]{0,62}$)")
    return tenant


def keyring_path(tenant: str | None) -> str:
    """Vault path of the payload keyring of ``tenant`` (None: platform scope)."""
    return PLATFORM_KEYRING_PATH if tenant is None else f"keys/tenants/{_tenant(tenant)}/payload"


def fingerprint_key_path(tenant: str) -> str:
    return f"keys/tenants/{_tenant(tenant)}/fingerprint"


def unsubscribe_key_path(tenant: str) -> str:
    return f"keys/tenants/{_tenant(tenant)}/unsubscribe"


def new_key_id() -> str:
    """``k{epoch ms}{4 hex}``: sortable by creation, unique across processes."""
    return f"k{int(time.time() * 1000)}{os.urandom(2).hex()}"


def _parse(data: dict[str, Any]) -> Keyring:
    ring = Keyring.from_b64(str(data["active"]), {str(k): str(v) for k, v in data["keys"].items()})
    if not all(_KID.match(k) for k in ring.keys):
        raise ValueError("a key id in the keyring is not [A-Za-z0-9._-]{1,64}")
    return ring


def read_keyring(store: KeyStore, path: str) -> Keyring | None:
    data = store.read(path)
    return _parse(data) if data else None


def _ensure(store: KeyStore, path: str, fresh: dict[str, Any]) -> dict[str, Any]:
    """The data at ``path``, creating ``fresh`` there first if absent (cas=0). Only a lost race
    or a refused create re-reads: a create that succeeded wrote ``fresh``, which is returned (one
    Vault call fewer on a tenant's first cycle in each process, issue 17)."""
    data = store.read(path)
    if data:
        return data
    try:
        if store.create(path, fresh):
            return fresh
    except Forbidden:
        pass  # no create capability, or it appeared (an update): the re-read decides
    data = store.read(path)
    if not data:
        raise KeyringMissing(f"nothing at {path} and this process may not create it")
    return data


def ensure_tenant_keyring(store: KeyStore, tenant: str | None) -> Keyring:
    """The scope's payload keyring, created with one key if absent (race-safe)."""
    return ensure_keyring_at(store, keyring_path(tenant))


def ensure_keyring_at(store: KeyStore, path: str) -> Keyring:
    kid = new_key_id()
    return _parse(_ensure(store, path, {"active": kid, "keys": {kid: Keyring.new_key_b64()}}))


def fingerprint_key(store: KeyStore, tenant: str) -> bytes:
    """The tenant's 32-byte credential fingerprint key, created if absent (race-safe)."""
    data = _ensure(store, fingerprint_key_path(tenant), {"key": Keyring.new_key_b64()})
    return base64.b64decode(data["key"])


def unsubscribe_key(store: KeyStore, tenant: str) -> bytes:
    """The tenant's 32-byte unsubscribe-token HMAC key (core/unsubscribe.py), created if absent
    (race-safe). Never rotated: a recipient keeps one token (issue 13 item 6)."""
    data = _ensure(store, unsubscribe_key_path(tenant), {"key": Keyring.new_key_b64()})
    return base64.b64decode(data["key"])


def rotate_tenant_keyring(settings: Settings, tenant: str | None) -> str:
    """Add a new active key to ``tenant``'s payload keyring (None: platform scope), check-and-set
    on the version it read (a concurrent rotation retries, never drops a key); old keys stay
    for decryption. Running workers pick it up within ``crypto.key_cache_s``. Needs a token
    that may update ``keys/`` (an operator's). Returns the new key id."""
    store = VaultStore(settings)
    path = keyring_path(tenant)
    for _ in range(5):  # check-and-set on the version read: two rotations never drop a key
        data, version = store.read_versioned(path)
        data = data or {"keys": {}}
        kid = new_key_id()
        data["keys"][kid] = Keyring.new_key_b64()
        data["active"] = kid
        try:
            store.write(path, data, cas=version)
        except InvalidRequest:
            continue
        return kid
    raise RuntimeError(f"{path} kept changing while rotating; try again")


# --- the legacy global keyring -------------------------------------------------------------------


def load_keyring_sync(settings: Settings) -> Keyring:
    """The legacy global keyring. Raises RuntimeError when Vault has none."""
    ring = read_keyring(VaultStore(settings), KEYRING_PATH)
    if ring is None:
        raise RuntimeError(f"no keyring in Vault at {KEYRING_PATH}; run 'python -m devstack bootstrap'")
    return ring


async def load_keyring(settings: Settings) -> Keyring:
    return await asyncio.to_thread(load_keyring_sync, settings)


def ensure_keyring(settings: Settings) -> str:
    """Create the legacy keyring if absent (dev bootstrap: the object store's key). Returns the
    active key id."""
    return ensure_keyring_at(VaultStore(settings), KEYRING_PATH).active_key_id


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.keys", description="Rotate a payload keyring.")
    p.add_argument("command", choices=["rotate"])
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--tenant", help="the tenant slug whose keyring gets a new active key")
    scope.add_argument("--platform", action="store_true", help="the platform-scope keyring")
    a = p.parse_args(argv)
    tenant = None if a.platform else a.tenant
    kid = rotate_tenant_keyring(get_settings(), tenant)
    print(f"{keyring_path(tenant)}: new active key {kid}")  # the id only, never a key
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
