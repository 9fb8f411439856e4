"""AES-256-GCM keyring, payload codec and encrypted object store."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from temporalio.api.common.v1 import Payload

from core.codec import ENCODING, KEY_ID, EncryptionCodec
from core.crypto import Keyring, UnknownKeyError
from core.objectstore import ObjectStore


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


async def test_codec_marks_key_id_and_old_keys_still_decode_after_rotation() -> None:
    old = ring("k1")
    payload = Payload(metadata={"encoding": b"json/plain"}, data=b'{"password":"hunter2"}')
    [enc] = await EncryptionCodec(old).encode([payload])
    assert enc.metadata["encoding"] == ENCODING and enc.metadata[KEY_ID] == b"k1"
    assert b"hunter2" not in enc.SerializeToString()
    rotated = Keyring("k2", {**old.keys, "k2": ring("k2").keys["k2"]})
    [dec] = await EncryptionCodec(rotated).decode([enc])
    assert dec == payload
    [enc2] = await EncryptionCodec(rotated).encode([payload])
    assert enc2.metadata[KEY_ID] == b"k2"


async def test_codec_passes_through_unencrypted_payloads() -> None:
    p = Payload(metadata={"encoding": b"binary/null"}, data=b"")
    assert await EncryptionCodec(ring("k1")).decode([p]) == [p]


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
