"""Outbound webhook endpoints (issue 15 Build 7): create (the ``whsec_`` secret goes to Vault and
is returned once), list, delete, test-send.

The URL passes the same target checks as every outbound call (:mod:`core.webhook_targets`): 422
naming ``url`` otherwise, with the one tenant-visible reason. A test-send starts ``Notify`` for
that endpoint only (kind ``webhook.test``) and waits up to :data:`TEST_WAIT_S` for it.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import uuid

from sqlalchemy import Engine
from temporalio.client import Client

from api.auth import Principal
from api.errors import NotFoundException, UnprocessableException
from api.schemas.integrations import WebhookCreate, WebhookTestResult, WebhookView
from core import queues
from core.logging import get_logger
from core.settings import Settings
from core.targets import TargetRefused
from core.vault import VaultStore
from core.webhook_targets import endpoint_secret_path, vet_webhook_url
from schema.db import tenant_transaction
from schema.integrations import WebhookEndpoint
from schema.repositories import webhooks
from workflows.ids import notify_workflow_id
from workflows.notify.messages import NotifyInput, message_id
from workflows.notify.workflow import NotifyWorkflow

log = get_logger("api.webhooks")
TEST_WAIT_S = 20.0


def webhook_view(e: WebhookEndpoint, secret: str | None = None) -> WebhookView:
    return WebhookView(
        id=e.id,
        url=e.url,
        events=list(e.events),
        enabled=e.enabled,
        consecutive_failures=e.consecutive_failures,
        disabled_reason=e.disabled_reason,
        last_status=e.last_status,
        last_delivery_at=e.last_delivery_at,
        created_at=e.created_at,
        secret=secret,
    )


class WebhookEndpointService:
    def __init__(self, client: Client, engine: Engine, settings: Settings, vault: VaultStore) -> None:
        self.client, self.engine, self.settings, self.vault = client, engine, settings, vault

    def _create(self, p: Principal, body: WebhookCreate, secret: str) -> WebhookEndpoint:
        endpoint = WebhookEndpoint(
            tenant_id=p.tenant_id, url=body.url, events=list(body.events), created_by=p.user_id
        )
        self.vault.write(endpoint_secret_path(p.tenant_id, endpoint.id), {"secret": secret})
        with tenant_transaction(self.engine, p.tenant_id) as s:
            return webhooks.create_endpoint(s, endpoint)

    async def create(self, p: Principal, body: WebhookCreate) -> WebhookView:
        try:
            await asyncio.to_thread(vet_webhook_url, body.url, self.settings)
        except TargetRefused as e:
            log.info("webhook url refused", tenant_id=p.tenant_id, code=e.code, detail=e.detail)
            raise UnprocessableException(f"url: {e}", extra=[{"key": "url", "message": str(e)}]) from None
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        endpoint = await asyncio.to_thread(self._create, p, body, secret)
        return webhook_view(endpoint, secret)

    def _list(self, tenant_id: str) -> list[WebhookEndpoint]:
        with tenant_transaction(self.engine, tenant_id) as s:
            return webhooks.list_endpoints(s, tenant_id)

    async def list_endpoints(self, p: Principal) -> list[WebhookView]:
        return [webhook_view(e) for e in await asyncio.to_thread(self._list, p.tenant_id)]

    def _delete(self, tenant_id: str, endpoint_id: str) -> bool:
        with tenant_transaction(self.engine, tenant_id) as s:
            gone = webhooks.delete_endpoint(s, tenant_id, endpoint_id)
        if gone:
            self.vault.delete(endpoint_secret_path(tenant_id, endpoint_id))
        return gone

    async def delete(self, p: Principal, endpoint_id: str) -> None:
        if not await asyncio.to_thread(self._delete, p.tenant_id, endpoint_id):
            raise NotFoundException(f"no webhook endpoint {endpoint_id}")

    def _get(self, tenant_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        with tenant_transaction(self.engine, tenant_id) as s:
            return webhooks.get_endpoint(s, tenant_id, endpoint_id)

    async def test(self, p: Principal, endpoint_id: str) -> WebhookTestResult:
        """A signed ``webhook.test`` event to this endpoint only; ``pending`` after the wait."""
        if await asyncio.to_thread(self._get, p.tenant_id, endpoint_id) is None:
            raise NotFoundException(f"no webhook endpoint {endpoint_id}")
        key = f"webhook-test:{endpoint_id}:{uuid.uuid4()}"
        event = NotifyInput(
            tenant_id=p.tenant_id,
            kind="webhook.test",
            subject="Test event from OmniOps",
            key=key,
            payload={"endpoint_id": endpoint_id, "requested_by": p.user_id},
            endpoint_id=endpoint_id,
        )
        handle = await self.client.start_workflow(
            NotifyWorkflow.run, event, id=notify_workflow_id(p.tenant_id, key), task_queue=queues.AGENT
        )
        mid = message_id(p.tenant_id, key)
        try:
            result = await asyncio.wait_for(handle.result(), TEST_WAIT_S)
        except TimeoutError:
            return WebhookTestResult(message_id=mid, status="pending")
        return WebhookTestResult(
            message_id=mid, status="delivered" if result.webhooks_delivered else "failed"
        )
