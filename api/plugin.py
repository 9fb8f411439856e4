"""The one place the API is wired: what the lifespan builds and how handlers receive it.

Startup order (in the lifespan): the thread pool of ``asyncio.to_thread`` (``api.threads``) ->
Temporal client (its codec reads keyrings from Vault on use)
-> services. Every service is stored on ``app.state`` under its dependency name and injected into
handlers by that name with ``Provide`` (``ops: NamedDependency[OperationService]``). To add a
service: build it in :func:`build_services` under a new name; nothing else changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.plugins import InitPluginProtocol
from temporalio.client import Client

from api.gc_tuning import freeze_after_startup
from api.services.agent import AgentAdminService
from api.services.agent_health import AgentHealthService
from api.services.agent_runs import AgentRunService
from api.services.alerts import AlertService
from api.services.audit import AuditService
from api.services.audit_lifecycle import AuditLifecycleService
from api.services.codec import CodecServer
from api.services.compliance import ComplianceService
from api.services.confirmations import ConfirmationService
from api.services.consent import ConsentService
from api.services.credential_access import CredentialAccessService
from api.services.credentials import CredentialService
from api.services.deals import DealService
from api.services.document_search import DocumentSearchService
from api.services.documents import DocumentService
from api.services.feedback import FeedbackService
from api.services.health import HealthService
from api.services.imports import ImportService
from api.services.inbox import InboxService
from api.services.inbox_signals import SignalService
from api.services.integrations import IntegrationService
from api.services.operation_signals import OperationSignals
from api.services.operation_status import OperationStatusService
from api.services.operations import OperationService
from api.services.operator_audit import OperatorAuditService
from api.services.order_records import OrderRecordService
from api.services.order_webhooks import OrderWebhookService
from api.services.plan_consent import PlanConsent
from api.services.plans import PlanService
from api.services.quotes import QuoteService
from api.services.records import RecordService
from api.services.site_allowlist import SiteAllowlistService
from api.services.unsubscribe import UnsubscribeService
from api.services.webhook_endpoints import WebhookEndpointService
from api.services.work import WorkService
from api.status_cache import StatusCache
from core.settings import Settings
from core.temporal import codec_of, connect
from core.vault import VaultStore
from schema.db import engine_for
from schema.repositories.definitions import DefinitionRegistry
from schema.repositories.plans import PlanRegistry
from workflows import ids

SERVICE_NAMES = (
    "codec",
    "vault",
    "op_status",
    "consents",
    "credentials",
    "credential_access",
    "ops",
    "confirmations",
    "site_allowlist",
    "agent",
    "agent_runs",
    "agent_health",
    "feedback",
    "quotes",
    "deals",
    "compliance",
    "operator_audit",
    "codec_server",
    "records",
    "order_records",
    "imports",
    "order_webhooks",
    "work",
    "alerts",
    "documents",
    "audit",
    "audit_lifecycle",
    "unsubscribe",
    "inbox_signals",
    "document_search",
    "inbox",
    "health",
    "webhooks",
    "integrations",
    "plans",
)
"""Dependency names; each is an attribute of ``app.state`` once the lifespan has started."""


def build_services(client: Client, settings: Settings) -> dict[str, object]:
    """Every service by dependency name (keys: :data:`SERVICE_NAMES`). ``codec`` is the client's own
    ``EncryptionCodec`` (one keyring cache for the client and the codec server)."""
    engine = engine_for(settings.database.url)
    registry = DefinitionRegistry(settings.definitions_dir)
    vault = VaultStore(settings)
    kept = StatusCache(settings.api.status_cache_size, settings.api.status_cache_ttl_s)
    op_status = OperationStatusService(client, engine, kept)
    signals = OperationSignals(client, engine, op_status)
    consents = ConsentService(engine, settings, registry, op_status, signals)
    ops = OperationService(client, engine, settings, registry, consents, op_status)
    return {
        "codec": codec_of(client),
        "vault": vault,
        "op_status": op_status,
        "consents": consents,
        "credentials": CredentialService(engine, settings, vault),
        "credential_access": CredentialAccessService(engine),
        "ops": ops,
        "confirmations": ConfirmationService(client, engine, settings, op_status),
        "site_allowlist": SiteAllowlistService(engine),
        "agent": AgentAdminService(client, engine, settings),
        "agent_runs": AgentRunService(client, engine, settings),
        "agent_health": AgentHealthService(engine, settings),
        "feedback": FeedbackService(client, engine, settings),
        "quotes": QuoteService(client, engine, settings),
        "deals": DealService(client, engine, settings),
        "compliance": ComplianceService(client, engine, settings),
        "operator_audit": OperatorAuditService(engine),
        "codec_server": CodecServer(codec_of(client), engine, settings),
        "records": RecordService(engine),
        "order_records": OrderRecordService(engine),
        "imports": ImportService(client, engine, settings),
        "order_webhooks": OrderWebhookService(engine, settings, vault),
        "work": WorkService(engine),
        "alerts": AlertService(engine),
        "documents": DocumentService(client, engine, settings),
        "audit": AuditService(engine, settings),
        "audit_lifecycle": AuditLifecycleService(client, engine, settings, vault),
        "unsubscribe": UnsubscribeService(engine, settings),
        "inbox_signals": SignalService(engine),
        "document_search": DocumentSearchService(engine),
        "inbox": InboxService(client, engine, settings, vault),
        "health": HealthService(client, engine, settings),
        "webhooks": WebhookEndpointService(client, engine, settings, vault),
        "integrations": IntegrationService(client, engine, settings),
        "plans": PlanService(
            client, PlanRegistry(registry, settings.definitions_dir), PlanConsent(engine, settings), ops
        ),
    }


def _provider(name: str) -> Callable[[State], Any]:
    def provide(state: State) -> Any:
        return getattr(state, name)

    provide.__name__ = f"provide_{name}"
    return provide


class ServicesPlugin(InitPluginProtocol):
    """Adds the lifespan that builds the services and one ``Provide`` per service name."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        threads = ThreadPoolExecutor(self.settings.api.threads, thread_name_prefix="api-blocking")
        asyncio.get_running_loop().set_default_executor(threads)  # asyncio.to_thread's pool
        client = await connect(self.settings, scoping=ids)
        for name, service in build_services(client, self.settings).items():
            setattr(app.state, name, service)
        freeze_after_startup(self.settings.api)  # last: everything start-up made is long-lived
        yield

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.lifespan = [*app_config.lifespan, self.lifespan]
        app_config.dependencies = {
            **app_config.dependencies,
            **{name: Provide(_provider(name), sync_to_thread=False) for name in SERVICE_NAMES},
        }
        return app_config
