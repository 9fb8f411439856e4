"""The one-click unsubscribe headers of an outbound email (RFC 8058; issue 13 item 6): the
recipient's token is derived under the tenant's Vault key (cached per process: it never rotates),
its SHA-256 recorded in ``unsubscribe_tokens`` in the sender's transaction, so the token is
findable before the email can reach anyone. Used by :class:`activities.email.Mailer`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core import unsubscribe as links
from core.keys import unsubscribe_key
from core.settings import Settings
from core.vault import VaultStore
from schema.repositories import unsubscribe as tokens


class UnsubscribeHeaders:
    """``headers(s, tenant, address)`` -> ``{"List-Unsubscribe": ..., "List-Unsubscribe-Post": ...}``.

    ``vault`` None: a store from ``settings`` on first use. Vault errors propagate (the send is
    retried under ``retry.EMAIL``; no email leaves without its headers)."""

    def __init__(self, settings: Settings, domain: str, vault: VaultStore | None = None) -> None:
        self._settings = settings
        self._domain = domain
        self._vault = vault
        self._keys: dict[str, bytes] = {}

    def headers(self, s: Session, tenant_id: str, address: str) -> dict[str, str]:
        token = links.derive_token(self._key(tenant_id), tenant_id, address)
        tokens.remember(s, tenant_id, address, links.token_hash(token))
        return links.list_unsubscribe(self._settings.api_public_url, self._domain, token)

    def _key(self, tenant_id: str) -> bytes:
        key = self._keys.get(tenant_id)
        if key is None:
            if self._vault is None:
                self._vault = VaultStore(self._settings)
            key = self._keys[tenant_id] = unsubscribe_key(self._vault, tenant_id)
        return key
