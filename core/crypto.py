"""AES-256-GCM envelope used by the payload codec and the object store.

A :class:`Keyring` holds 32-byte keys by key id; new data is sealed with the active key and
the key id travels beside the ciphertext, so keys rotate without re-encrypting old data.
Blob layout: ``nonce (12 bytes) || ciphertext+tag``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class UnknownKeyError(KeyError):
    """Raised when a blob names a key id the keyring does not hold."""


@dataclass(frozen=True)
class Keyring:
    active_key_id: str
    keys: dict[str, bytes] = field(repr=False)

    def __post_init__(self) -> None:
        if self.active_key_id not in self.keys:
            raise ValueError(f"active key id {self.active_key_id!r} is not in the keyring")
        for kid, key in self.keys.items():
            if len(key) != 32:
                raise ValueError(f"key {kid!r} is {len(key)} bytes; AES-256 needs 32")

    @classmethod
    def from_b64(cls, active_key_id: str, keys_b64: dict[str, str]) -> Keyring:
        return cls(active_key_id, {k: base64.b64decode(v) for k, v in keys_b64.items()})

    @staticmethod
    def new_key_b64() -> str:
        return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()

    def seal(self, plaintext: bytes, aad: bytes | None = None) -> tuple[str, bytes]:
        """Encrypt with the active key. Returns ``(key_id, nonce || ciphertext)``."""
        return self.active_key_id, self.sealer()(plaintext, aad)

    def sealer(self) -> Callable[[bytes, bytes | None], bytes]:
        """:meth:`seal` with the active key for many plaintexts, one cipher object for all
        (``nonce || ciphertext`` each; the key id is ``active_key_id``): a pack of messages
        (core/objectstore.py) seals hundreds at a time."""
        aead = AESGCM(self.keys[self.active_key_id])

        def seal(plaintext: bytes, aad: bytes | None = None) -> bytes:
            nonce = os.urandom(NONCE_BYTES)
            return nonce + aead.encrypt(nonce, plaintext, aad)

        return seal

    def open(self, key_id: str, blob: bytes, aad: bytes | None = None) -> bytes:
        """Decrypt a blob sealed under ``key_id``. Raises UnknownKeyError or InvalidTag."""
        key = self.keys.get(key_id)
        if key is None:
            raise UnknownKeyError(key_id)
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
