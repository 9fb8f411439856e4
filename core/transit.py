"""Vault Transit signing for the audit digests (issue 16 Build 1): the key never leaves Vault;
we send a message, Vault returns ``vault:v{N}:{base64 signature}``, and verifies it later.

The key (``audit.transit_key``, ed25519) lives on the ``audit.transit_mount`` engine; the
service policy may only ``sign`` and ``verify`` with it (deploy/vault/omniops.hcl). The local
stack enables the engine and creates the key at start (devstack). Sync (hvac).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import hvac
from hvac.exceptions import InvalidPath, InvalidRequest, VaultError

from core.settings import Settings
from core.vault import VaultUnavailable
from core.vault_auth import VaultAuthError, vault_auth


class Transit:
    def __init__(self, settings: Settings) -> None:
        a = settings.audit
        self._settings = settings
        self.mount, self.key = a.transit_mount, a.transit_key

    @property
    def _c(self) -> hvac.Client:
        """A client with a valid token: static, or AppRole (core/vault_auth.py)."""
        try:
            return vault_auth(self._settings).client()
        except VaultAuthError as e:
            raise VaultUnavailable(str(e)) from None

    def sign(self, message: bytes) -> str:
        """Vault's signature over ``message`` (``vault:vN:...``).

        Raises:
            VaultUnavailable: Vault is unreachable or refused (the message says which, no data).
        """
        try:
            r = self._c.secrets.transit.sign_data(
                name=self.key, hash_input=base64.b64encode(message).decode(), mount_point=self.mount
            )
        except (VaultError, OSError) as e:
            raise VaultUnavailable(f"transit sign failed: {type(e).__name__}") from None
        return str(r["data"]["signature"])

    def verify(self, message: bytes, signature: str) -> bool:
        """Whether ``signature`` is Vault's over ``message``; False for a malformed signature."""
        try:
            r = self._c.secrets.transit.verify_signed_data(
                name=self.key,
                hash_input=base64.b64encode(message).decode(),
                signature=signature,
                mount_point=self.mount,
            )
        except (InvalidRequest, InvalidPath):
            return False
        except (VaultError, OSError) as e:
            raise VaultUnavailable(f"transit verify failed: {type(e).__name__}") from None
        return bool(r["data"]["valid"])


def ensure_key(addr: str, root_token: str, mount: str, key: str, backup: Path | None = None) -> None:
    """Enable the Transit engine at ``mount`` and make sure ``key`` (ed25519) exists. Bootstrap
    only (a root token); idempotent.

    With ``backup`` (the local stack: its dev Vault lives in memory), a missing key is restored
    from that file when it exists, else created backup-able and saved there (mode 600), so the
    digests signed before a restart still verify. Without it, the key is created not exportable.
    """
    c = hvac.Client(url=addr, token=root_token, timeout=10)
    if f"{mount}/" not in c.sys.list_mounted_secrets_engines()["data"]:
        c.sys.enable_secrets_engine(backend_type="transit", path=mount)
    try:
        c.secrets.transit.read_key(name=key, mount_point=mount)
        return
    except InvalidPath:
        pass
    if backup is not None and backup.exists():
        c.secrets.transit.restore_key(backup=backup.read_text().strip(), name=key, mount_point=mount)
        return
    dev = backup is not None
    c.secrets.transit.create_key(
        name=key, key_type="ed25519", exportable=dev, allow_plaintext_backup=dev, mount_point=mount
    )
    if backup is not None:
        data = c.secrets.transit.backup_key(name=key, mount_point=mount)["data"]["backup"]
        fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(data)
