"""Litestar app factory: ``create_app()`` wires auth, problem details, CORS, OpenAPI and state.

Startup order: settings -> telemetry -> logging -> keyring (Vault) -> Temporal client.
Run: ``uvicorn api.app:create_app --factory``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, get
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.logging.config import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsPlugin

from api.auth import jwt_auth
from api.controllers.admin import AgentAdminController
from api.controllers.autonomous import AutonomousController
from api.controllers.codec import CodecController
from api.controllers.compliance import ComplianceController
from api.controllers.consent import ConsentController
from api.controllers.credentials import CredentialsController
from api.controllers.deals import DealController
from api.controllers.feedback import FeedbackController
from api.controllers.quotes import QuoteController, tracked_link
from api.errors import problem_details
from api.services.agent import AgentAdminService
from api.services.compliance import ComplianceService
from api.services.deals import DealService
from api.services.feedback import FeedbackService
from api.services.operations import OperationService
from api.services.quotes import QuoteService
from core.codec import EncryptionCodec
from core.keys import load_keyring
from core.logging import configure_logging
from core.settings import Settings, get_settings
from core.telemetry import configure_telemetry
from core.temporal import connect
from core.vault import VaultStore
from schema.db import engine_for
from schema.repositories.definitions import DefinitionRegistry


@get("/healthz", operation_id="health", tags=["health"])
async def health(state: State) -> dict[str, str]:
    return {"status": "ok" if getattr(state, "ops", None) else "starting"}


def provide_ops(state: State) -> OperationService:
    return state.ops  # type: ignore[no-any-return]


def provide_agent(state: State) -> AgentAdminService:
    return state.agent  # type: ignore[no-any-return]


def provide_vault(state: State) -> VaultStore:
    return state.vault  # type: ignore[no-any-return]


def provide_codec(state: State) -> EncryptionCodec:
    return state.codec  # type: ignore[no-any-return]


def provide_feedback(state: State) -> FeedbackService:
    return state.feedback  # type: ignore[no-any-return]


def provide_quotes(state: State) -> QuoteService:
    return state.quotes  # type: ignore[no-any-return]


def provide_deals(state: State) -> DealService:
    return state.deals  # type: ignore[no-any-return]


def provide_compliance(state: State) -> ComplianceService:
    return state.compliance  # type: ignore[no-any-return]


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    configure_telemetry("omniops-api")
    configure_logging(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        keyring = await load_keyring(settings)
        client = await connect(settings, keyring=keyring)
        app.state.codec = EncryptionCodec(keyring)
        app.state.vault = VaultStore(settings)
        app.state.ops = OperationService(
            client, engine_for(settings.database.url), settings, DefinitionRegistry(settings.definitions_dir)
        )
        app.state.agent = AgentAdminService(client, engine_for(settings.database.url), settings)
        app.state.feedback = FeedbackService(client, engine_for(settings.database.url), settings)
        app.state.quotes = QuoteService(client, engine_for(settings.database.url), settings)
        app.state.deals = DealService(client, engine_for(settings.database.url), settings)
        app.state.compliance = ComplianceService(client, engine_for(settings.database.url), settings)
        yield

    auth = jwt_auth(settings)
    return Litestar(
        route_handlers=[
            AutonomousController,
            AgentAdminController,
            ComplianceController,
            FeedbackController,
            QuoteController,
            DealController,
            tracked_link,
            ConsentController,
            CredentialsController,
            CodecController,
            health,
        ],
        lifespan=[lifespan],
        dependencies={
            "ops": Provide(provide_ops, sync_to_thread=False),
            "vault": Provide(provide_vault, sync_to_thread=False),
            "agent": Provide(provide_agent, sync_to_thread=False),
            "codec": Provide(provide_codec, sync_to_thread=False),
            "feedback": Provide(provide_feedback, sync_to_thread=False),
            "quotes": Provide(provide_quotes, sync_to_thread=False),
            "deals": Provide(provide_deals, sync_to_thread=False),
            "compliance": Provide(provide_compliance, sync_to_thread=False),
        },
        on_app_init=[auth.on_app_init],
        plugins=[
            ProblemDetailsPlugin(
                ProblemDetailsConfig(
                    enable_for_all_http_exceptions=True,
                    exception_to_problem_detail_map={HTTPException: problem_details},
                )
            )
        ],
        cors_config=CORSConfig(
            allow_origins=list(settings.api_cors_origins),
            allow_credentials=True,
            allow_headers=["authorization", "content-type", "x-namespace"],
        ),
        openapi_config=OpenAPIConfig(title="OmniOps Orchestrator", version="0.1.0", path="/schema"),
        logging_config=LoggingConfig(
            configure_root_logger=False,
            log_exceptions="always",
            disable_stack_trace={400, 401, 403, 404, 405, 409, 422},
        ),
        debug=False,
    )
