"""The capture's packed mail store (issue 13, session 28): one file per FETCH, each message sealed on
its own and read, deleted (zeroed in place) and erased alone; the one-object-per-message layout of
older rows still reads (core/objectstore.py, core/mail_store.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import pytest

from core.crypto import Keyring
from core.keys import ensure_tenant_keyring
from core.mail_store import MailBlobs
from core.objectstore import ObjectNotFound, ObjectStore, delete_objects
from tests.unit.keystore_fake import MemoryKeyStore

MAILS = [b"From: a@x\r\n\r\nDana's first", b"From: b@x\r\n\r\nsecond " * 50, b"From: c@x\r\n\r\nthird"]


def store(root: Path) -> ObjectStore:
    return ObjectStore(root, Keyring("k1", {"k1": os.urandom(32)}))


@pytest.fixture
def keys() -> MemoryKeyStore:
    return MemoryKeyStore()


@pytest.fixture
def blobs(tmp_path: Path, keys: MemoryKeyStore) -> MailBlobs:
    settings = cast(Any, type("S", (), {"object_dir": tmp_path}))
    return MailBlobs(settings, keys)


def test_a_pack_is_one_file_and_each_member_reads_alone_and_is_sealed(tmp_path: Path) -> None:
    s = store(tmp_path)
    keys = s.put_pack("acme/mail/abc.pack", MAILS)
    assert [p.name for p in (tmp_path / "acme" / "mail").iterdir()] == ["abc.pack.enc"]
    assert [s.get(k) for k in keys] == MAILS
    assert all(b"Dana" not in s.raw(k) and b"second" not in s.raw(k) for k in keys)
    assert b"Dana" not in (tmp_path / "acme" / "mail" / "abc.pack.enc").read_bytes()


def test_a_member_key_is_bound_to_its_place_and_its_keyring(tmp_path: Path) -> None:
    s = store(tmp_path)
    first, second, _ = s.put_pack("acme/mail/abc.pack", MAILS)
    offset, length = first.rsplit("/", 1)[1].split("-")
    moved = f"acme/mail/abc.pack/{int(offset) + 1}-{int(length) - 1}"
    with pytest.raises(Exception):  # noqa: B017, PT011 - a torn range never opens (InvalidTag or unknown key)
        s.get(moved)
    with pytest.raises(KeyError):
        ObjectStore(tmp_path, Keyring("k2", {"k2": os.urandom(32)})).get(second)
    with pytest.raises(ValueError, match="invalid"):
        s.get("acme/mail/../x.pack/0-10")


def test_deleting_a_member_zeroes_it_in_place_and_the_last_one_removes_the_pack(tmp_path: Path) -> None:
    s = store(tmp_path)
    keys = s.put_pack("acme/mail/abc.pack", MAILS)
    path = tmp_path / "acme" / "mail" / "abc.pack.enc"
    before = path.read_bytes()
    assert delete_objects(tmp_path, [keys[0]]) == 1
    assert s.raw(keys[0]) == bytes(len(s.raw(keys[0])))  # nothing of it is left on disk
    with pytest.raises(ObjectNotFound):
        s.get(keys[0])
    assert [s.get(k) for k in keys[1:]] == MAILS[1:]
    assert len(path.read_bytes()) == len(before)
    s.delete(keys[2])
    assert path.exists()
    delete_objects(tmp_path, [keys[1], keys[1]])
    assert not path.exists()
    with pytest.raises(ObjectNotFound):
        s.get(keys[1])
    delete_objects(tmp_path, keys)  # deleting again is a no-op


def test_mail_blobs_read_both_layouts_and_a_pack_is_named_by_its_members(
    blobs: MailBlobs, keys: MemoryKeyStore, tmp_path: Path
) -> None:
    # a row from before session 28: one object a message, under its content hash
    old = ObjectStore(tmp_path, ensure_tenant_keyring(keys, "acme")).put("acme/mail/h0", MAILS[0])
    packed = blobs.put_pack("acme", [("c:1:5:h1", MAILS[1]), ("c:1:6:h2", MAILS[2])])
    again = blobs.put_pack("acme", [("c:1:5:h1", MAILS[1]), ("c:1:6:h2", MAILS[2])])
    other = blobs.put_pack("acme", [("c:2:5:h1", MAILS[1])])
    assert packed == again and other[0].split("/")[2] != packed[0].split("/")[2]  # a retry: same pack
    got = blobs.get_all("acme", [old, *packed, "acme/mail/gone"])
    assert got == dict(zip([old, *packed], MAILS, strict=True))
    with pytest.raises(ValueError, match="outside"):
        blobs.get("umbrella", packed[0])
    assert delete_objects(tmp_path, [old, packed[0]]) == 2  # erasure, retention: either layout
    assert blobs.get_all("acme", [old, *packed]) == {packed[1]: MAILS[2]}
