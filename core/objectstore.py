"""Encrypted-at-rest local object store for screenshots and session checkpoints.

Objects are addressed by key (``{tenant}/{operation}/{name}``), sealed with the keyring's
active AES-256-GCM key, the key id in a one-line header, and the key bound as associated data
so a blob cannot be swapped under another key. Only keys ever enter workflow history.

With a ``scoped`` resolver (core/operation_keys.py), an operation's blobs are sealed with the
operation's own keyring and opened with it when it holds the blob's key id; anything else (blobs
sealed before issue 16) opens with ``keyring``. A shredded operation keyring leaves its blobs
unreadable (UnknownKeyError).

Packs (issue 13): :meth:`ObjectStore.put_pack` writes many small objects as ONE file
``{key}.enc`` (``key`` ends ``.pack``), each sealed on its own (``kid\n nonce||ciphertext``, its
member key as associated data), so a write costs one create + one rename per pack instead of per
object. A member's key is ``{pack key}/{offset}-{length}``: :meth:`get` reads and opens that byte
range alone, :func:`delete_objects` overwrites it with zeros in place (the member is unreadable
afterwards) and removes the pack file once every byte of it is zero.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from core.crypto import Keyring

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
_MEMBER = re.compile(r"^(?P<pack>.+\.pack)/(?P<offset>[0-9]{1,12})-(?P<length>[0-9]{1,12})$")
SEAL_OVERHEAD = 12 + 16
"""Bytes AES-GCM adds to a plaintext (nonce, tag: core/crypto.py)."""


class ObjectNotFound(KeyError):
    pass


class ScopedKeyrings(Protocol):
    def for_seal(self, object_key: str) -> Keyring | None: ...

    def for_open(self, object_key: str, kid: str) -> Keyring | None: ...


class ObjectStore:
    def __init__(self, root: Path, keyring: Keyring, scoped: ScopedKeyrings | None = None) -> None:
        self._root = root
        self._keyring = keyring
        self._scoped = scoped

    def _path(self, key: str) -> Path:
        return _file(self._root, key)

    def _seal_ring(self, key: str) -> Keyring:
        """The keyring that seals ``key``: its operation's for an operation's key, else the store's."""
        return (self._scoped.for_seal(key) if self._scoped else None) or self._keyring

    def _write(self, path: Path, key: str, data: bytes) -> None:
        """Seal ``data`` (the operation's keyring for an operation's key, else the store's) and
        write it to ``path`` (its folder exists) through a temporary file, owner-only."""
        ring = self._seal_ring(key)
        kid, blob = ring.seal(data, aad=key.encode())
        _write_file(path, kid.encode() + b"\n" + blob)

    def put(self, key: str, data: bytes) -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write(path, key, data)
        return key

    def put_pack(self, key: str, items: list[bytes]) -> list[str]:
        """Seal each of ``items`` on its own into the ONE object ``key`` (ends ``.pack``; its
        folder is created); the member keys, in order (the module docstring)."""
        if not key.endswith(".pack"):
            raise ValueError(f"invalid pack key {key!r}")
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        ring = self._seal_ring(key)
        kid, seal = ring.active_key_id.encode() + b"\n", ring.sealer()
        parts: list[bytes] = []
        refs: list[str] = []
        offset = 0
        for data in items:
            length = len(kid) + SEAL_OVERHEAD + len(data)
            refs.append(ref := f"{key}/{offset}-{length}")
            parts += [kid, seal(data, ref.encode())]
            offset += length
        _write_file(path, b"".join(parts))
        return refs

    def get(self, key: str) -> bytes:
        try:
            raw = self.raw(key)
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        kid, _, blob = raw.partition(b"\n")
        if not kid.strip(b"\0"):  # a deleted member (zeros) or a range past the end
            raise ObjectNotFound(key)
        ring = (self._scoped.for_open(key, kid.decode()) if self._scoped else None) or self._keyring
        return ring.open(kid.decode(), blob, aad=key.encode())

    def raw(self, key: str) -> bytes:
        """The bytes at rest, a pack member's range alone (for tests that check nothing is stored
        in clear)."""
        member = _MEMBER.match(key)
        if member is None:
            return self._path(key).read_bytes()
        with open(self._path(member["pack"]), "rb") as fh:
            fh.seek(int(member["offset"]))
            return fh.read(int(member["length"]))

    def delete(self, key: str) -> None:
        delete_objects(self._root, [key])


def _file(root: Path, key: str) -> Path:
    if not _KEY.match(key) or ".." in key:
        raise ValueError(f"invalid object key {key!r}")
    return root / f"{key}.enc"


def _write_file(path: Path, data: bytes) -> None:
    """``data`` at ``path`` through a temporary file of this write's own, owner-only (a reader
    never sees half; two attempts writing the same object at once never mix their bytes)."""
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(6)}.tmp")
    with open(tmp, "wb", opener=lambda p, f: os.open(p, f, 0o600)) as fh:
        fh.write(data)
    tmp.replace(path)


def delete_objects(root: Path, keys: list[str]) -> int:
    """Delete each of ``keys`` under ``root`` (no keyring needed): an object's file is unlinked;
    a pack member's byte range is overwritten with zeros in place, and a pack whose bytes are then
    all zero is unlinked (read once per pack per call). The number of keys given."""
    packs: dict[str, list[tuple[int, int]]] = {}
    for key in keys:
        member = _MEMBER.match(key)
        if member is None:
            _file(root, key).unlink(missing_ok=True)
            continue
        packs.setdefault(member["pack"], []).append((int(member["offset"]), int(member["length"])))
    for pack, ranges in packs.items():
        path = _file(root, pack)
        try:
            with open(path, "r+b") as fh:
                size = os.fstat(fh.fileno()).st_size
                for offset, length in ranges:
                    if offset < size:
                        fh.seek(offset)
                        fh.write(bytes(min(length, size - offset)))
                fh.flush()
                os.fsync(fh.fileno())
                fh.seek(0)
                empty = not fh.read().strip(b"\0")
        except FileNotFoundError:
            continue
        if empty:
            path.unlink(missing_ok=True)
    return len(keys)
