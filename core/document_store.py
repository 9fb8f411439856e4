"""Document files at rest (issue 14): the local object store under the key
``{tenant}/documents/{document id}``, sealed with the TENANT's payload keyring (core/keys.py, the
same per-tenant keys as the codec), so shredding a tenant's keyring (issue 16) makes its files
unreadable. Synchronous (Vault and disk): call it on a worker thread.
"""

from __future__ import annotations

from core.keys import KeyStore, ensure_tenant_keyring
from core.objectstore import ObjectNotFound, ObjectStore
from core.settings import Settings

__all__ = ["DocumentBlobs", "ObjectNotFound", "blob_key"]


def blob_key(tenant_id: str, document_id: str) -> str:
    """``{tenant}/documents/{document id}``."""
    return f"{tenant_id}/documents/{document_id}"


class DocumentBlobs:
    """put/get/delete a document's bytes with its tenant's keyring (read from Vault per call)."""

    def __init__(self, settings: Settings, keys: KeyStore) -> None:
        self._root, self._keys = settings.object_dir, keys

    def _store(self, tenant_id: str) -> ObjectStore:
        return ObjectStore(self._root, ensure_tenant_keyring(self._keys, tenant_id))

    def put(self, tenant_id: str, document_id: str, data: bytes) -> str:
        """Seal and write; the blob key."""
        return self._store(tenant_id).put(blob_key(tenant_id, document_id), data)

    def get(self, tenant_id: str, key: str) -> bytes:
        """The decrypted bytes. Raises ObjectNotFound, ValueError for a key outside the tenant."""
        if not key.startswith(f"{tenant_id}/"):
            raise ValueError("blob key outside the tenant")
        return self._store(tenant_id).get(key)

    def delete(self, tenant_id: str, key: str) -> None:
        if not key.startswith(f"{tenant_id}/"):
            raise ValueError("blob key outside the tenant")
        self._store(tenant_id).delete(key)
