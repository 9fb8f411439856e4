"""AES-256-GCM keyring, the codec's legacy path and the encrypted object store (per-tenant codec:
tests/unit/test_tenant_codec.py)."""

from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidTag
from temporalio.api.common.v1 import Payload
from temporalio.converter import WorkflowSerializationContext

from core.codec import ENCODING, KEY_ID, TENANT, CodecRefused, EncryptionCodec
from core.crypto import Keyring, UnknownKeyError
from core.keycache import KeyringCache
from core.keys import KEYRING_PATH, KeyringMissing
from core.objectstore import ObjectStore
from tests.unit.keystore_fake import MemoryKeyStore
from workflows import ids

WID = "op-acme-6f1c8a52-6c1e-4d47-9a40-3f1f3c0f9b10"


def ring(*kids: str, active: str | None = None) -> Keyring:
    return Keyring.from_b64(active or kids[-1], {k: Keyring.new_key_b64() for k in kids})


def test_seal_open_roundtrip_and_tamper_detection() -> None:
    kr = ring("k1")
    kid, blob = kr.seal(b"hello", aad=b"a")
    assert kid == "k1" and b"hello" not in blob
    assert kr.open(kid, blob, aad=b"a") == b"hello"
    with pytest.raises(InvalidTag):
        kr.open(kid, blob, aad=b"b")
    with pytest.raises(InvalidTag):
        kr.open(kid, blob[:-1] + bytes([blob[-1] ^ 1]), aad=b"a")
    with pytest.raises(UnknownKeyError):
        kr.open("nope", blob)


def test_keyring_rejects_wrong_key_sizes_and_missing_active() -> None:
    with pytest.raises(ValueError, match="32"):
        Keyring("k", {"k": b"short"})
    with pytest.raises(ValueError, match="active key id"):
        Keyring("x", {"k": b"0" * 32})


async def test_legacy_payloads_still_decode_but_nothing_encodes_with_the_legacy_keyring() -> None:
    """Payloads sealed before issue 11 (global keyring, no tenant, no associated data)."""
    legacy = ring("k1", "k2")
    store = MemoryKeyStore()
    store.write(
        KEYRING_PATH,
        {"active": "k2", "keys": {k: base64.b64encode(v).decode() for k, v in legacy.keys.items()}},
    )
    payload = Payload(metadata={"encoding": b"json/plain"}, data=b'{"password":"hunter2"}')
    old = []
    for kid in ("k1", "k2"):  # sealed the pre-issue-11 way, before and after a legacy rotation
        _, blob = Keyring(kid, legacy.keys).seal(payload.SerializeToString())
        old.append(Payload(metadata={"encoding": ENCODING, KEY_ID: kid.encode()}, data=blob))
    codec = EncryptionCodec(KeyringCache(store, ttl_s=60), ids)
    bound = codec.with_context(WorkflowSerializationContext(namespace="default", workflow_id=WID))
    assert await bound.decode(old) == [payload, payload]
    assert await codec.decode(old) == [payload, payload]  # no binding to check: no context needed
    [enc] = await bound.encode([payload])
    assert enc.metadata[KEY_ID] not in (b"k1", b"k2") and enc.metadata[TENANT] == b"acme"
    off = EncryptionCodec(KeyringCache(store, ttl_s=60, legacy_decode=False), ids)
    with pytest.raises(KeyringMissing):
        await off.decode(old[:1])


async def test_codec_refuses_unencrypted_payloads() -> None:
    p = Payload(metadata={"encoding": b"binary/null"}, data=b"")
    codec = EncryptionCodec(KeyringCache(MemoryKeyStore(), ttl_s=60), ids)
    with pytest.raises(CodecRefused, match="not encrypted"):
        await codec.with_context(WorkflowSerializationContext(namespace="default", workflow_id=WID)).decode(
            [p]
        )


def test_object_store_encrypts_at_rest_and_binds_the_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = ObjectStore(tmp_path, ring("k1"))
    png = b"\x89PNG\r\n\x1a\n" + b"pixels" * 100
    key = store.put("tenant/op/step-01.png", png)
    assert store.get(key) == png
    raw = store.raw(key)
    assert b"PNG" not in raw and b"pixels" not in raw
    # a blob moved under another key does not decrypt (key is the associated data)
    (tmp_path / "tenant/op/other.png.enc").write_bytes(raw)
    with pytest.raises(InvalidTag):
        store.get("tenant/op/other.png")


@pytest.mark.parametrize("bad", ["../etc/passwd", "/abs", "a/../b", "", "a//b"])
def test_object_store_rejects_path_escapes(tmp_path, bad: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        ObjectStore(tmp_path, ring("k1")).put(bad, b"x")
