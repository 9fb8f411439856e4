"""Encrypted-at-rest local object store for screenshots and session checkpoints.

Objects are addressed by key (``{tenant}/{operation}/{name}``), sealed with the keyring's
active AES-256-GCM key, the key id in a one-line header, and the key bound as associated data
so a blob cannot be swapped under another key. Only keys ever enter workflow history.

With a ``scoped`` resolver (core/operation_keys.py), an operation's blobs are sealed with the
operation's own keyring and opened with it when it holds the blob's key id; anything else (blobs
sealed before issue 16) opens with ``keyring``. A shredded operation keyring leaves its blobs
unreadable (UnknownKeyError).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

from core.crypto import Keyring

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


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
        if not _KEY.match(key) or ".." in key:
            raise ValueError(f"invalid object key {key!r}")
        return self._root / f"{key}.enc"

    def _write(self, path: Path, key: str, data: bytes) -> None:
        """Seal ``data`` (the operation's keyring for an operation's key, else the store's) and
        write it to ``path`` (its folder exists) through a temporary file, owner-only."""
        ring = (self._scoped.for_seal(key) if self._scoped else None) or self._keyring
        kid, blob = ring.seal(data, aad=key.encode())
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb", opener=lambda p, f: os.open(p, f, 0o600)) as fh:
            fh.write(kid.encode() + b"\n" + blob)
        tmp.replace(path)

    def put(self, key: str, data: bytes) -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write(path, key, data)
        return key

    def put_many(self, items: dict[str, bytes]) -> list[str]:
        """:meth:`put` each ``{key: data}`` (each folder created once); the keys, in order."""
        made: set[Path] = set()
        for key, data in items.items():
            path = self._path(key)
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            self._write(path, key, data)
        return list(items)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.exists():
            raise ObjectNotFound(key)
        raw = path.read_bytes()
        kid, _, blob = raw.partition(b"\n")
        ring = (self._scoped.for_open(key, kid.decode()) if self._scoped else None) or self._keyring
        return ring.open(kid.decode(), blob, aad=key.encode())

    def raw(self, key: str) -> bytes:
        """The bytes at rest (for tests that check nothing is stored in clear)."""
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
