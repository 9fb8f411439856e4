"""How a process authenticates to Vault: a static token (the dev stack) or AppRole (deploy/).

AppRole (``vault.role_id`` + ``vault.secret_id_file``, deploy/vault/README.md): the process logs in
with the role id and the secret id read from a mounted file, and logs in again when the token has
used two thirds of its TTL, so a worker runs for months on short-lived tokens. Sync (hvac); one
shared client per (address, role) in a process. No token or secret id is ever logged.
"""

from __future__ import annotations

import threading
import time

import hvac

from core.settings import Settings

_RENEW_AT = 2 / 3
"""Fraction of the token's TTL after which the next call logs in again."""


class VaultAuthError(RuntimeError):
    """Neither a token nor an AppRole is configured, or the secret id file is unreadable."""


class VaultAuth:
    """``client()`` returns an hvac client holding a valid token (logging in when needed).

    Raises VaultAuthError without credentials; hvac errors from the login itself."""

    def __init__(self, settings: Settings) -> None:
        v = settings.vault
        self._client = hvac.Client(url=v.addr, timeout=10)
        self._role_id, self._secret_file, self._mount = v.role_id, v.secret_id_file, v.approle_mount
        self._renew_at = 0.0
        self._lock = threading.Lock()
        if v.role_id is None:
            token = v.token.get_secret_value() if v.token else None
            if not token:
                raise VaultAuthError("set OMNIOPS_VAULT__TOKEN or OMNIOPS_VAULT__ROLE_ID + SECRET_ID_FILE")
            self._client.token = token
            self._renew_at = float("inf")
        elif v.secret_id_file is None:
            raise VaultAuthError("OMNIOPS_VAULT__ROLE_ID needs OMNIOPS_VAULT__SECRET_ID_FILE")

    @property
    def approle(self) -> bool:
        return self._role_id is not None

    def client(self) -> hvac.Client:
        if time.monotonic() >= self._renew_at:
            with self._lock:
                if time.monotonic() >= self._renew_at:
                    self._login()
        return self._client

    def _login(self) -> None:
        assert self._role_id is not None and self._secret_file is not None
        try:
            secret_id = self._secret_file.read_text().strip()
        except OSError as e:
            raise VaultAuthError(f"cannot read the AppRole secret id file: {e.strerror}") from None
        r = self._client.auth.approle.login(
            role_id=self._role_id, secret_id=secret_id, mount_point=self._mount, use_token=True
        )
        ttl = int(r["auth"].get("lease_duration") or 0)
        self._renew_at = time.monotonic() + ttl * _RENEW_AT if ttl else float("inf")


_shared: dict[tuple[str, str | None, str | None], VaultAuth] = {}
_shared_lock = threading.Lock()


def vault_auth(settings: Settings) -> VaultAuth:
    """The process's shared :class:`VaultAuth` for these settings (one login per role)."""
    v = settings.vault
    tok = v.token.get_secret_value() if v.token else None
    key = (v.addr, v.role_id, tok)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = VaultAuth(settings)
        return _shared[key]
