"""Temporal payload codec: every payload and failure attribute is AES-256-GCM encrypted.

Metadata ``encoding=binary/encrypted`` and ``encryption-key-id=<kid>`` mark an encrypted
payload; the serialized original payload is the plaintext.
"""

from __future__ import annotations

from collections.abc import Iterable

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from core.crypto import Keyring

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"


class EncryptionCodec(PayloadCodec):
    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    async def encode(self, payloads: Iterable[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            kid, blob = self._keyring.seal(p.SerializeToString())
            out.append(Payload(metadata={"encoding": ENCODING, KEY_ID: kid.encode()}, data=blob))
        return out

    async def decode(self, payloads: Iterable[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            if p.metadata.get("encoding", b"") != ENCODING:
                out.append(p)
                continue
            kid = p.metadata.get(KEY_ID, b"").decode()
            out.append(Payload.FromString(self._keyring.open(kid, p.data)))
        return out
