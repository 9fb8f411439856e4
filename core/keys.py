"""The payload/object encryption keyring, held in Vault at ``keys/payload``.

Shape in Vault: ``{"active": "<kid>", "keys": {"<kid>": "<base64 32 bytes>", ...}}``.
:func:`ensure_keyring` creates the first key (dev bootstrap); :func:`rotate_keyring` adds one.
"""

from __future__ import annotations

import asyncio
import time

from core.crypto import Keyring
from core.settings import Settings
from core.vault import VaultStore

KEYRING_PATH = "keys/payload"


def load_keyring_sync(settings: Settings) -> Keyring:
    data = VaultStore(settings).read(KEYRING_PATH)
    if not data:
        raise RuntimeError(
            f"no encryption keyring in Vault at {KEYRING_PATH}; run 'python -m devstack bootstrap'"
        )
    return Keyring.from_b64(data["active"], data["keys"])


async def load_keyring(settings: Settings) -> Keyring:
    return await asyncio.to_thread(load_keyring_sync, settings)


def ensure_keyring(settings: Settings) -> str:
    """Create the keyring if absent. Returns the active key id."""
    store = VaultStore(settings)
    data = store.read(KEYRING_PATH)
    if data:
        return str(data["active"])
    kid = f"k{int(time.time())}"
    store.write(KEYRING_PATH, {"active": kid, "keys": {kid: Keyring.new_key_b64()}})
    return kid


def rotate_keyring(settings: Settings) -> str:
    """Add a new active key; old keys stay for decryption. Returns the new key id."""
    store = VaultStore(settings)
    data = store.read(KEYRING_PATH) or {"keys": {}}
    kid = f"k{int(time.time() * 1000)}"
    data["keys"][kid] = Keyring.new_key_b64()
    data["active"] = kid
    store.write(KEYRING_PATH, data)
    return kid
