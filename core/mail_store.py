"""Raw inbound messages at rest (issue 13), sealed with the TENANT's payload keyring (core/keys.py,
like documents), so a shredded keyring makes the mail unreadable. Synchronous (Vault and disk):
call it on a worker thread. Two layouts, both read by :meth:`MailBlobs.get`:

- one object per message under the content-addressed key ``{tenant}/mail/{sha256}`` (the
  capture's layout before session 28: older rows still point at such objects; nothing writes
  them any more);
- the capture's: one PACK per FETCH, ``{tenant}/mail/{digest}.pack`` where ``digest`` is the
  sha256 of its messages' identities in order (connection, UIDVALIDITY, UID, content hash: a
  retried batch rewrites the same pack, same offsets; nothing else lands on an existing pack; a
  retry that fetches a different set leaves the first attempt's pack unreferenced, the one case
  a pack outlives its rows until tenant erasure), each message sealed on its own
  and keyed ``{pack}/{offset}-{length}`` (core/objectstore.py): one file create per FETCH instead
  of per message (about 230-460 us of ext4 file creation a message, session 28's profile).

Deleting (erasure, retention, a capture's duplicate) goes through
:func:`core.objectstore.delete_objects`: a pack member is zeroed in place, so it cannot be read
afterwards, and an all-zero pack is unlinked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from core.keys import KeyStore, ensure_tenant_keyring
from core.objectstore import ObjectNotFound, ObjectStore
from core.settings import Settings

__all__ = ["MailBlobs", "ObjectNotFound", "Packer"]

Packer = Callable[[list[tuple[str, bytes]]], list[str]]
"""``put_pack`` bound to one tenant's keyring (:meth:`MailBlobs.packer`)."""


def _own(tenant_id: str, key: str) -> None:
    """Raises ValueError unless ``key`` is one of the tenant's mail blobs."""
    if not key.startswith(f"{tenant_id}/mail/"):
        raise ValueError("blob key outside the tenant's mail")


class MailBlobs:
    """put/get a raw message with its tenant's keyring (read from Vault per call)."""

    def __init__(self, settings: Settings, keys: KeyStore) -> None:
        self._root, self._keys = settings.object_dir, keys

    def _store(self, tenant_id: str) -> ObjectStore:
        return ObjectStore(self._root, ensure_tenant_keyring(self._keys, tenant_id))

    def put_pack(self, tenant_id: str, raws: list[tuple[str, bytes]]) -> list[str]:
        """Seal each ``(identity, raw)`` into ONE pack named by the identities (module docstring);
        the messages' keys, in order. Reads the keyring (Vault) per call: a capture writing many
        packs takes :meth:`packer` instead."""
        return self.packer(tenant_id)(raws)

    def packer(self, tenant_id: str) -> Packer:
        """:meth:`put_pack` for the tenant with ONE keyring read for every pack it writes (a
        capture activity's session: seconds; session 30's profile: a Vault read a FETCH cost
        about 8 us a message)."""
        store = self._store(tenant_id)

        def put(raws: list[tuple[str, bytes]]) -> list[str]:
            digest = hashlib.sha256("\n".join(h for h, _ in raws).encode()).hexdigest()
            return store.put_pack(f"{tenant_id}/mail/{digest}.pack", [r for _, r in raws])

        return put

    def get_all(self, tenant_id: str, keys: list[str]) -> dict[str, bytes]:
        """``{key: raw bytes}`` of each of ``keys`` found (one keyring read; a missing object is
        left out). Raises ValueError for a key outside the tenant's mail."""
        for k in keys:
            _own(tenant_id, k)
        store, out = self._store(tenant_id), {}
        for k in keys:
            try:
                out[k] = store.get(k)
            except ObjectNotFound:
                continue
        return out

    def get(self, tenant_id: str, key: str) -> bytes:
        """The raw bytes. Raises ObjectNotFound, ValueError for a key outside the tenant's mail."""
        _own(tenant_id, key)
        return self._store(tenant_id).get(key)
