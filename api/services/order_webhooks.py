"""Signed order webhooks (issue 12, Build 3): the host application posts new and updated orders
to ``POST /hooks/orders/{tenant}``, signed to the Standard Webhooks spec (``standardwebhooks``:
``webhook-id``, ``webhook-timestamp`` within the library's 5-minute tolerance,
``webhook-signature`` HMAC-SHA256 with the tenant's secret).

- The secret lives in Vault at ``tenants/{tenant}/webhooks/orders`` (``secret``, ``previous``,
  ``rotated_at``). Rotating keeps the previous secret valid until the next rotation, so the host
  can switch without a gap. It is returned once, by the rotation; never logged or shown again.
- Every refusal before the body is trusted is the same 401 (unknown or reserved tenant, no
  secret, missing or bad signature, old timestamp): nothing tells whether a tenant exists.
- Idempotent: a ``webhook-id`` seen before returns its first outcome and changes nothing; the
  order is upserted on its ``external_id`` (:mod:`schema.repositories.record_upserts`), so a new
  order is ``processing_status = new`` for the next hourly cycle's order processor.
- Body: ``{"type": "order.created" | "order.updated", "data": {<OrderIn fields>}}``; invalid data
  is 422 naming the field.
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any, Literal

from litestar.exceptions import NotAuthorizedException
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlmodel import col
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from api.auth import Principal
from api.errors import UnprocessableException
from api.services.records import validation_error
from core.settings import Settings
from core.vault import VaultStore
from schema.db import tenant_transaction
from schema.intake import WebhookDelivery
from schema.records import OrderIn
from schema.repositories.record_upserts import RecordRejected, lock_entity, upsert_record
from workflows.ids import is_reserved_tenant

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
REFUSED = "the delivery could not be verified"
CACHE_S = 30.0


class OrderEvent(BaseModel):
    type: Literal["order.created", "order.updated"]
    data: OrderIn


def secret_path(tenant_id: str) -> str:
    return f"tenants/{tenant_id}/webhooks/orders"


class OrderWebhookService:
    def __init__(self, engine: Engine, settings: Settings, vault: VaultStore) -> None:
        self.engine, self.settings, self.vault = engine, settings, vault
        self._cache: dict[str, tuple[float, list[str]]] = {}

    def receiver_url(self, tenant_id: str) -> str:
        return f"{self.settings.api_public_url.rstrip('/')}/hooks/orders/{tenant_id}"

    async def rotate(self, p: Principal) -> dict[str, Any]:
        """A new signing secret (returned once); the previous one stays valid until the next rotation."""
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        now = datetime.now(UTC).isoformat()

        def write() -> None:
            old = self.vault.read(secret_path(p.tenant_id)) or {}
            self.vault.write(
                secret_path(p.tenant_id), {"secret": secret, "previous": old.get("secret"), "rotated_at": now}
            )

        await asyncio.to_thread(write)
        self._cache.pop(p.tenant_id, None)
        return {"secret": secret, "url": self.receiver_url(p.tenant_id), "rotated_at": now}

    async def config(self, p: Principal) -> dict[str, Any]:
        stored = await asyncio.to_thread(self.vault.read, secret_path(p.tenant_id)) or {}
        return {
            "configured": bool(stored.get("secret")),
            "rotated_at": stored.get("rotated_at"),
            "url": self.receiver_url(p.tenant_id),
        }

    async def _secrets(self, tenant_id: str) -> list[str]:
        hit = self._cache.get(tenant_id)
        if hit and time.monotonic() - hit[0] < CACHE_S:
            return hit[1]
        stored = await asyncio.to_thread(self.vault.read, secret_path(tenant_id)) or {}
        found = [s for s in (stored.get("secret"), stored.get("previous")) if s]
        self._cache[tenant_id] = (time.monotonic(), found)
        return found

    async def receive(self, tenant_id: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        """Verify, then upsert the order once per delivery. Raises 401 (unverified) or 422."""
        if not SLUG.fullmatch(tenant_id) or is_reserved_tenant(tenant_id):
            raise NotAuthorizedException(REFUSED)
        verified = False
        for secret in await self._secrets(tenant_id):
            try:
                Webhook(secret).verify(body, headers, json_parse=False)
                verified = True
                break
            except (WebhookVerificationError, ValueError, UnicodeDecodeError):
                continue
        if not verified:
            raise NotAuthorizedException(REFUSED)
        try:
            event = OrderEvent.model_validate_json(body)
        except ValidationError as e:
            raise validation_error(e) from None
        webhook_id = {k.lower(): v for k, v in headers.items()}["webhook-id"][:200]
        return await asyncio.to_thread(self._apply, tenant_id, webhook_id, event)

    def _apply(self, tenant_id: str, webhook_id: str, event: OrderEvent) -> dict[str, Any]:
        with tenant_transaction(self.engine, tenant_id) as s:
            lock_entity(s, tenant_id, "orders")
            seen = self._seen(s, tenant_id, webhook_id)
            if seen is not None:
                return {"outcome": seen.outcome, "replayed": True, "external_id": seen.external_id}
            try:
                outcome, order_id = upsert_record(s, tenant_id, "orders", event.data, source="webhook")
            except RecordRejected as e:
                raise UnprocessableException(str(e), extra=[{"key": e.field, "message": e.message}]) from None
            s.add(
                WebhookDelivery(
                    tenant_id=tenant_id,
                    webhook_id=webhook_id,
                    external_id=event.data.external_id,
                    outcome=outcome,
                )
            )
            return {
                "outcome": outcome,
                "replayed": False,
                "external_id": event.data.external_id,
                "order_id": order_id,
            }

    @staticmethod
    def _seen(s: Session, tenant_id: str, webhook_id: str) -> WebhookDelivery | None:
        return s.execute(
            select(WebhookDelivery).where(
                col(WebhookDelivery.tenant_id) == tenant_id, col(WebhookDelivery.webhook_id) == webhook_id
            )
        ).scalar()
