"""Routes of outbound webhooks (``/api/webhooks``, issue 15 Build 7) and integration health
(``/api/autonomous/integrations``, Builds 4, 5). Who may call them: :mod:`api.authz.rows_integrations`."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from api.auth import Principal
from api.schemas.common import NAME
from api.schemas.integrations import (
    IntegrationSettingsBody,
    IntegrationSettingsView,
    IntegrationView,
    WebhookCreate,
    WebhookTestResult,
    WebhookView,
)
from api.services.integrations import IntegrationService
from api.services.webhook_endpoints import WebhookEndpointService

Req = Request[Principal, Any, Any]
EndpointId = Annotated[str, Parameter(pattern=r"^[0-9a-f]{32}$")]
Name = Annotated[str, Parameter(pattern=NAME)]


class WebhookEndpointController(Controller):
    path = "/api/webhooks"
    tags = ["webhooks"]

    @post("/", operation_id="createWebhook", status_code=HTTP_201_CREATED)
    async def create(
        self, request: Req, data: JSONBody[WebhookCreate], webhooks: NamedDependency[WebhookEndpointService]
    ) -> WebhookView:
        """Register a receiver; the response carries its signing secret, once."""
        return await webhooks.create(request.user, data)

    @get("/", operation_id="listWebhooks")
    async def list_(
        self, request: Req, webhooks: NamedDependency[WebhookEndpointService]
    ) -> list[WebhookView]:
        """The tenant's endpoints (never a secret)."""
        return await webhooks.list_endpoints(request.user)

    @delete("/{endpoint_id:str}", operation_id="deleteWebhook", status_code=HTTP_204_NO_CONTENT)
    async def remove(
        self, request: Req, endpoint_id: EndpointId, webhooks: NamedDependency[WebhookEndpointService]
    ) -> None:
        """Delete an endpoint and its secret; 404 when it is not the tenant's."""
        await webhooks.delete(request.user, endpoint_id)

    @post("/{endpoint_id:str}/test", operation_id="testWebhook", status_code=HTTP_200_OK)
    async def test(
        self, request: Req, endpoint_id: EndpointId, webhooks: NamedDependency[WebhookEndpointService]
    ) -> WebhookTestResult:
        """Send a signed ``webhook.test`` event to this endpoint."""
        return await webhooks.test(request.user, endpoint_id)


class IntegrationController(Controller):
    path = "/api/autonomous/integrations"
    tags = ["integrations"]

    @get("/", operation_id="listIntegrations")
    async def list_(
        self, request: Req, integrations: NamedDependency[IntegrationService]
    ) -> list[IntegrationView]:
        """Every stored integration credential with its health status (``needs_consent``...)."""
        return await integrations.list_integrations(request.user)

    @put("/settings", operation_id="putIntegrationSettings")
    async def settings(
        self,
        request: Req,
        data: JSONBody[IntegrationSettingsBody],
        integrations: NamedDependency[IntegrationService],
    ) -> IntegrationSettingsView:
        """Rotation period (days) and notification address of the tenant."""
        return await integrations.put_settings(request.user, data)

    @post(
        "/{service:str}/{credential_type:str}/check",
        operation_id="checkIntegration",
        status_code=HTTP_202_ACCEPTED,
    )
    async def check(
        self,
        request: Req,
        service: Name,
        credential_type: Name,
        integrations: NamedDependency[IntegrationService],
    ) -> IntegrationView:
        """Run the integration's health check now."""
        return await integrations.check_now(request.user, service, credential_type)

    @post(
        "/{service:str}/{credential_type:str}/rotate",
        operation_id="rotateIntegration",
        status_code=HTTP_202_ACCEPTED,
    )
    async def rotate(
        self,
        request: Req,
        service: Name,
        credential_type: Name,
        integrations: NamedDependency[IntegrationService],
    ) -> IntegrationView:
        """Rotate the integration's credential now."""
        return await integrations.rotate_now(request.user, service, credential_type)
