"""Order webhooks (issue 12, Build 3): the receiver ``POST /hooks/orders/{tenant_id}`` (no bearer
token: the Standard Webhooks signature is the authentication) and the tenant's signing secret
``POST /api/intake/order-webhook/secret`` (rotate; the secret is shown once) and
``GET /api/intake/order-webhook``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from pydantic import BaseModel

from api.auth import Principal
from api.services.order_webhooks import OrderWebhookService

Req = Request[Principal, Any, Any]


class WebhookSecretView(BaseModel):
    secret: str
    """``whsec_...``: shown once; store it in the host application."""
    url: str
    rotated_at: str


class WebhookConfigView(BaseModel):
    configured: bool
    rotated_at: str | None = None
    url: str


class DeliveryView(BaseModel):
    outcome: str
    """created, updated or unchanged (the first delivery's, for a replay)."""
    replayed: bool
    external_id: str | None = None
    order_id: str | None = None


class OrderWebhookController(Controller):
    path = "/api/intake/order-webhook"
    tags = ["records"]

    @post("/secret", operation_id="rotateOrderWebhookSecret", status_code=201)
    async def rotate(
        self, request: Req, order_webhooks: NamedDependency[OrderWebhookService]
    ) -> WebhookSecretView:
        """Create or rotate the tenant's signing secret (shown once); the previous one stays valid
        until the next rotation."""
        return WebhookSecretView(**await order_webhooks.rotate(request.user))

    @get("/", operation_id="getOrderWebhook")
    async def config(
        self, request: Req, order_webhooks: NamedDependency[OrderWebhookService]
    ) -> WebhookConfigView:
        """Whether a secret is configured, when it was rotated, and the receiver URL (never the secret)."""
        return WebhookConfigView(**await order_webhooks.config(request.user))


@post(
    "/hooks/orders/{tenant_id:str}",
    operation_id="receiveOrderWebhook",
    tags=["records"],
    status_code=200,
    exclude_from_auth=True,
    request_max_body_size=262_144,
)
async def receive_order_webhook(
    request: Request[Any, Any, Any],
    tenant_id: FromPath[str],
    order_webhooks: NamedDependency[OrderWebhookService],
) -> DeliveryView:
    """A new or updated order from the host application, signed to the Standard Webhooks spec.
    Body: ``{"type": "order.created" | "order.updated", "data": {...order fields...}}``. 401 for
    anything unverified (the same answer whether or not the tenant exists); 422 names a bad field;
    a replayed ``webhook-id`` changes nothing and returns its first outcome."""
    body = await request.body()
    return DeliveryView(**await order_webhooks.receive(tenant_id, body, dict(request.headers)))
