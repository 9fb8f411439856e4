"""Litestar app factory: ``create_app()`` sets auth, problem details, CORS, OpenAPI and the
routes; :mod:`api.plugin` wires the state and the services handlers receive, :mod:`api.abuse` the
rate limits, the client address behind trusted proxies, stream caps and the body size limit.

Startup order: settings -> telemetry -> logging -> (lifespan) Temporal client (codec keyrings
from Vault) -> services. Run: ``uvicorn api.app:create_app --factory --no-proxy-headers`` (the
app reads ``X-Forwarded-For`` itself, from ``limits.trusted_proxies`` only).
"""

from __future__ import annotations

from litestar import Litestar, get
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.logging.config import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsPlugin
from litestar.types import ControllerRouterHandler

from api.abuse import AbuseLimitsPlugin
from api.auth import auth_middleware
from api.authz import audit_operator, authorize
from api.controllers.admin import AgentAdminController
from api.controllers.alerts import AlertController
from api.controllers.audit import AuditController
from api.controllers.audit_lifecycle import AuditLifecycleController
from api.controllers.autonomous import AutonomousController
from api.controllers.codec import CodecController
from api.controllers.compliance import ComplianceController
from api.controllers.consent import ConsentController
from api.controllers.credentials import CredentialsController
from api.controllers.deals import DealController
from api.controllers.documents import DocumentController, OrderDocumentFileController
from api.controllers.feedback import FeedbackController
from api.controllers.health import HealthController
from api.controllers.imports import ImportController
from api.controllers.inbox import InboxController
from api.controllers.inbox_signals import InboxSignalController
from api.controllers.operator_audit import OperatorAuditController
from api.controllers.order_records import OrderRecordController
from api.controllers.order_webhooks import OrderWebhookController, receive_order_webhook
from api.controllers.plans import PlanController
from api.controllers.quotes import QuoteController, tracked_link
from api.controllers.site_allowlist import SiteAllowlistController
from api.controllers.unsubscribe import unsubscribe_one_click, unsubscribe_page
from api.controllers.work import AgentLogController, WorkController
from api.errors import problem_details
from api.plugin import ServicesPlugin
from api.records.controller import RECORD_CONTROLLERS
from core.logging import configure_logging
from core.settings import Settings, get_settings
from core.telemetry import configure_telemetry


@get("/healthz", operation_id="health", tags=["health"])
async def health(state: State) -> dict[str, str]:
    return {"status": "ok" if getattr(state, "ops", None) else "starting"}


ROUTES: list[ControllerRouterHandler] = [
    AutonomousController,
    PlanController,
    AgentAdminController,
    SiteAllowlistController,
    ComplianceController,
    FeedbackController,
    QuoteController,
    DealController,
    DocumentController,
    OrderDocumentFileController,
    InboxSignalController,
    tracked_link,
    ConsentController,
    CredentialsController,
    CodecController,
    OperatorAuditController,
    AuditController,
    AuditLifecycleController,
    *RECORD_CONTROLLERS,
    OrderRecordController,
    ImportController,
    InboxController,
    OrderWebhookController,
    receive_order_webhook,
    unsubscribe_page,
    unsubscribe_one_click,
    WorkController,
    AgentLogController,
    AlertController,
    HealthController,
    health,
]


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    configure_telemetry("omniops-api")
    configure_logging(settings.log_level, settings.log_json)
    return Litestar(
        route_handlers=ROUTES,
        middleware=[auth_middleware(settings)],
        guards=[authorize],  # api/authz: the matrix, before any handler code
        before_send=[audit_operator],  # one operator_audit row per platform request
        plugins=[
            ServicesPlugin(settings),
            AbuseLimitsPlugin(settings.limits),
            ProblemDetailsPlugin(
                ProblemDetailsConfig(
                    enable_for_all_http_exceptions=True,
                    exception_to_problem_detail_map={HTTPException: problem_details},
                )
            ),
        ],
        cors_config=CORSConfig(
            allow_origins=list(settings.api_cors_origins),
            allow_credentials=True,
            allow_headers=["authorization", "content-type", "x-namespace"],
        ),
        openapi_config=OpenAPIConfig(
            title="OmniOps Orchestrator",
            version="0.1.0",
            path="/schema",
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
            security=[{"BearerToken": []}],
        ),
        logging_config=LoggingConfig(
            configure_root_logger=False,
            log_exceptions="always",
            disable_stack_trace={400, 401, 403, 404, 405, 409, 413, 422, 429},
        ),
        request_max_body_size=settings.limits.max_body_bytes,
        debug=False,
    )
