"""Vault KV v2 store (hvac). Sync: call from sync activities or ``asyncio.to_thread``.

Paths are relative to ``{mount}/{prefix}``. Tenant credentials live at
``tenants/{tenant}/{service}/{credential_type}``. Nothing here logs a value.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import hvac
from hvac.exceptions import Forbidden, InvalidPath, InvalidRequest

from core.settings import Settings
from core.vault_auth import VaultAuthError, vault_auth


class VaultUnavailable(RuntimeError):
    pass


def credential_path(tenant_id: str, service: str, credential_type: str) -> str:
    return f"tenants/{tenant_id}/{service}/{credential_type}"


def mailbox_secret_path(tenant_id: str, connection_id: str) -> str:
    """``tenants/{tenant}/mailbox/{connection}``: an IMAP password, or an OAuth client id, client
    secret and refresh token (issue 13)."""
    return credential_path(tenant_id, "mailbox", connection_id)


FINGERPRINT_HEX = 16


def fingerprint(key: bytes, secret: str) -> str:
    """A credential's fingerprint for matching, never the secret: the first 16 hex digits of
    HMAC-SHA256 under the tenant's fingerprint key (``core.keys.fingerprint_key``; issue 11 item 6),
    so it cannot be brute-forced offline without that key nor compared across tenants.

    Credential rows written before issue 11 keep their unkeyed ``legacy_fingerprint``; every
    idempotency check recomputes with the function that made the value it compares against."""
    if len(key) < 32:
        raise ValueError("a fingerprint key is at least 32 bytes")
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()[:FINGERPRINT_HEX]


def legacy_fingerprint(secret: str) -> str:
    """The pre-issue-11 unkeyed fingerprint (sha256 prefix): only to recognise values recorded
    by workflows started before the deploy. Never written again."""
    return hashlib.sha256(secret.encode()).hexdigest()[:FINGERPRINT_HEX]


class WrapSpent(RuntimeError):
    """The wrapping token was already unwrapped, expired, or never existed."""


def unwrap(addr: str, token: str) -> dict[str, Any]:
    """The data behind a single-use wrapping token; needs no other Vault token (the wrapping
    token authenticates itself). Raises ``WrapSpent`` when it is used up or expired."""
    client = hvac.Client(url=addr, token=token, timeout=10)
    try:
        r = client.sys.unwrap()
    except (Forbidden, InvalidRequest, InvalidPath) as e:
        raise WrapSpent(f"wrapping token refused: {type(e).__name__}") from None
    data: dict[str, Any] = r["data"]
    return data


class VaultStore:
    def __init__(self, settings: Settings) -> None:
        try:
            self._auth = vault_auth(settings)  # a static token, or AppRole (core/vault_auth.py)
        except VaultAuthError as e:
            raise VaultUnavailable(str(e)) from None
        self._mount = settings.vault.mount
        self._prefix = settings.vault.prefix

    @property
    def _client(self) -> hvac.Client:
        return self._auth.client()

    def full_path(self, path: str) -> str:
        """The path as shown to users: ``{mount}/{prefix}/{path}``."""
        return f"{self._mount}/{self._prefix}/{path}"

    def read(self, path: str) -> dict[str, Any] | None:
        return self.read_versioned(path)[0]

    def read_versioned(self, path: str) -> tuple[dict[str, Any] | None, int]:
        """(data, version); (None, 0) when nothing is there."""
        try:
            r = self._client.secrets.kv.v2.read_secret_version(
                path=f"{self._prefix}/{path}", mount_point=self._mount, raise_on_deleted_version=True
            )
        except InvalidPath:
            return None, 0
        data: dict[str, Any] = r["data"]["data"]
        return data, int(r["data"]["metadata"]["version"])

    def read_version(self, path: str, version: int) -> dict[str, Any] | None:
        """The data of one KV v2 version (None when it is deleted, destroyed or absent)."""
        try:
            r = self._client.secrets.kv.v2.read_secret_version(
                path=f"{self._prefix}/{path}",
                version=version,
                mount_point=self._mount,
                raise_on_deleted_version=True,
            )
        except InvalidPath:
            return None
        data: dict[str, Any] | None = r["data"]["data"]
        return data

    def destroy_versions(self, path: str, versions: list[int]) -> None:
        """Destroy KV v2 versions for good (a rotated-out credential once it is revoked)."""
        self._client.secrets.kv.v2.destroy_secret_versions(
            path=f"{self._prefix}/{path}", versions=versions, mount_point=self._mount
        )

    def write(self, path: str, data: dict[str, Any], cas: int | None = None) -> int:
        """Write a new version (with ``cas``: only over that version; hvac ``InvalidRequest``
        otherwise). Returns the version number."""
        r = self._client.secrets.kv.v2.create_or_update_secret(
            path=f"{self._prefix}/{path}", secret=data, cas=cas, mount_point=self._mount
        )
        return int(r["data"]["version"])

    def create(self, path: str, data: dict[str, Any]) -> bool:
        """Write ``data`` only if nothing is at ``path`` (KV v2 check-and-set ``cas=0``).
        Returns False when another writer got there first (the caller re-reads); needs only the
        ``create`` capability. Raises ``hvac.exceptions.Forbidden`` without it."""
        try:
            self._client.secrets.kv.v2.create_or_update_secret(
                path=f"{self._prefix}/{path}", secret=data, cas=0, mount_point=self._mount
            )
        except InvalidRequest as e:
            if "check-and-set" in str(e):
                return False
            raise
        return True

    def list(self, path: str) -> list[str]:
        """The names directly under ``path`` (folders end with '/'); [] when there are none."""
        try:
            r = self._client.secrets.kv.v2.list_secrets(
                path=f"{self._prefix}/{path}", mount_point=self._mount
            )
        except InvalidPath:
            return []
        return [str(k) for k in r["data"]["keys"]]

    def delete(self, path: str) -> None:
        """Delete every version and the metadata."""
        self._client.secrets.kv.v2.delete_metadata_and_all_versions(
            path=f"{self._prefix}/{path}", mount_point=self._mount
        )

    def wrap(self, data: dict[str, Any], ttl_s: int) -> str:
        """Response-wrap ``data``: a single-use wrapping token, valid ``ttl_s`` seconds, that
        unwraps to ``data`` exactly once (Vault ``sys/wrapping/wrap``; the default policy allows
        it). The token is all that travels; the secret stays in Vault's cubbyhole."""
        r = self._client.write_data("sys/wrapping/wrap", data=data, wrap_ttl=f"{ttl_s}s")
        return str(r["wrap_info"]["token"])

    def is_ready(self) -> bool:
        try:
            return bool(self._client.sys.read_health_status(method="GET").get("initialized"))
        except Exception:  # noqa: BLE001 - readiness probe
            return False
