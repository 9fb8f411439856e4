"""Integration fixtures: the real stack, started in layers so a test starts only what it needs.

``stack`` (tests/stack_fixtures.py) < ``infra`` (+ Postgres, Vault, schema, keyring) <
``agent_stack`` (+ SMTP server, agent and messaging workers) < ``live`` (+ WordPress, the
operations worker) < ``api`` (the API in process); ``inbox_api``: the API in process over
``agent_stack`` and Dovecot. Every test here runs with the test stack's
environment (``stack_env``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from devstack.stack import Stack
from tests.peers.messages_api import MessagesPeer, error
from tests.peers.otlp import OtlpReceiver
from tests.stack_fixtures import OTLP_PORT, PEER_PORT


@pytest.fixture(autouse=True)
def _stack_env(stack_env: Stack) -> Stack:
    return stack_env


@pytest.fixture(scope="session")
def infra(stack: Stack) -> Stack:
    stack.infra_up()
    return stack


@pytest.fixture(scope="session")
def messages_peer() -> Iterator[MessagesPeer]:
    peer = MessagesPeer(PEER_PORT).start()
    yield peer
    peer.stop()


@pytest.fixture
def peer(messages_peer: MessagesPeer) -> Iterator[MessagesPeer]:
    """The peer, reset for one test; unscripted calls get a 400 (non-retryable) answer."""
    messages_peer.reset(lambda _: error(400, "invalid_request_error", "no answer scripted for this test"))
    yield messages_peer
    messages_peer.reset(lambda _: error(400, "invalid_request_error", "no answer scripted for this test"))


@pytest.fixture(scope="session")
def otlp() -> Iterator[OtlpReceiver]:
    """The OTLP/HTTP trace receiver every stack process exports to (started before the workers);
    the in-process API's tracer provider exports to it too."""
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from core.settings import get_settings
    from core.telemetry import configure_telemetry

    receiver = OtlpReceiver(OTLP_PORT)
    configure_telemetry("omniops-api", get_settings().observability)
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):  # configured earlier in this process without OTLP
        provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=receiver.endpoint)))
    yield receiver
    if isinstance(provider, TracerProvider):
        provider.force_flush()  # this process's last spans, before the receiver goes
    receiver.close()


@pytest.fixture(scope="session")
def agent_stack(infra: Stack, messages_peer: MessagesPeer, otlp: OtlpReceiver) -> Stack:
    """The hourly cycle's parts: SMTP server, agent, messaging and documents workers (no browser)."""
    infra.mail()
    infra.worker("worker-agent", "agent")
    infra.worker("worker-messaging", "messaging")
    infra.worker("worker-documents", "documents")
    infra.worker("worker-inbox", "inbox")  # MailboxSync's understanding stage (issue 13)
    return infra


@dataclass
class Live:
    stack: Stack
    wp: dict[str, str]


@pytest.fixture(scope="session")
def live(agent_stack: Stack) -> Live:
    infra = agent_stack
    wp = infra.wordpress()
    infra.worker("worker-operations", "operations")
    return Live(infra, wp)


@pytest.fixture(scope="session")
async def api(live: Live) -> AsyncIterator[object]:
    from litestar.testing import AsyncTestClient

    from api.app import create_app

    app = create_app()
    # keep the in-process API's logs beside the workers' (the no-secret-in-logs test reads them all)
    handler = logging.FileHandler(live.stack.c.log_dir / "api-inprocess.log")
    handler.setFormatter(logging.getLogger().handlers[0].formatter)
    logging.getLogger().addHandler(handler)
    async with AsyncTestClient(app=app, timeout=30) as client:
        yield client
    logging.getLogger().removeHandler(handler)


@pytest.fixture(scope="module")
async def inbox_api(agent_stack: Stack) -> AsyncIterator[object]:
    """The API in process over the hourly cycle's stack plus Dovecot (the inbox tests' client,
    one per module; tests/integration/test_mailsync.py and test_mail_xoauth2.py have their own)."""
    from litestar.testing import AsyncTestClient

    from api.app import create_app

    agent_stack.imap()
    async with AsyncTestClient(app=create_app(), timeout=60) as client:
        yield client


@pytest.fixture
def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"
