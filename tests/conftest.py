"""Test harness: the same local stack as ``make run``, on its own ports and data dir.

Fixtures are layered so a test starts only what it needs:
``temporal_client`` (Temporal) < ``infra`` (+ Postgres, Vault, schema, keyring)
< ``live`` (+ WordPress, agent and operations workers, the API in process).
Short durations replace long waits (consent, heartbeat, schedule-to-start).
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from tests.peers.messages_api import MessagesPeer, error
from workers.devstack import Stack, StackConfig

PEER_PORT = 18900
DATA = Path(os.environ.get("OMNIOPS_TEST_DATA", "/var/tmp/omniops-test"))
TEST_CONFIG = StackConfig(
    data_dir=DATA,
    temporal_port=17233,
    ui_port=18233,
    vault_port=18200,
    pg_port=55433,
    api_port=18000,
    wp_port=8089,
    smtp_port=12525,
    extra_env={
        "OMNIOPS_OPERATIONS__CONSENT_TIMEOUT_S": "120",
        "OMNIOPS_OPERATIONS__STEP_HEARTBEAT_S": "2",
        "OMNIOPS_OPERATIONS__SESSION_SCHEDULE_TO_START_S": "4",
        "OMNIOPS_OPERATIONS__STEP_TIMEOUT_S": "30",
        "OMNIOPS_LOG_LEVEL": "INFO",
        "OMNIOPS_OPERATIONS__AI_MAX_ACTIONS": "5",
        # the real anthropic client, pointed at the local Messages-API peer (tests/peers)
        "ANTHROPIC_API_KEY": "peer-test-key",
        "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{PEER_PORT}",
        # a copy of definitions/, so tests can add a service as data at run time
        "OMNIOPS_DEFINITIONS_DIR": str(DATA / "definitions"),
        # email: internal_only to the test domain unless a tenant overrides its mode
        "OMNIOPS_EMAIL__MODE": "internal_only",
        "OMNIOPS_EMAIL__ALLOWLIST": '["example.test"]',
        "OMNIOPS_AGENT__SCHEDULE_JITTER_S": "60",
        # follow-ups on the dev server: seconds instead of days (the time-skipping tests use days)
        "OMNIOPS_FOLLOWUPS__FEEDBACK_DELAY_S": "1",
        "OMNIOPS_FOLLOWUPS__FEEDBACK_RESPONSE_WINDOW_S": "60",
        "OMNIOPS_FOLLOWUPS__QUOTE_FOLLOW_UP_EVERY_S": "60",
        "OMNIOPS_FOLLOWUPS__DAY_S": "1",
    },
)

_fresh = not any((TEST_CONFIG.run_dir / f"{n}.pid").exists() for n in ("temporal", "vault"))
if _fresh and TEST_CONFIG.data_dir.exists():
    for leftover in ("temporal.db", "objects", "logs", "run"):
        p = TEST_CONFIG.data_dir / leftover
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
STACK = Stack(TEST_CONFIG)
shutil.rmtree(DATA / "definitions", ignore_errors=True)
shutil.copytree(Path(__file__).resolve().parents[1] / "definitions", DATA / "definitions")
os.environ.update(STACK.env())


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    yield STACK
    if os.environ.get("OMNIOPS_TEST_KEEP_STACK") != "1":  # keep it to debug a failure
        STACK.down()


@pytest.fixture(scope="session")
async def temporal_client(stack: Stack):  # type: ignore[no-untyped-def]
    """A codec-less client on the real dev server (for workflow tests with stand-in activities)."""
    from core.temporal import connect

    stack.temporal()
    return await connect(encrypted=False)


TEST_SERVER = (
    Path(os.environ.get("OMNIOPS_CACHE", Path.home() / ".cache" / "omniops")) / "temporal-test-server"
)


@pytest.fixture(scope="session")
async def time_env():  # type: ignore[no-untyped-def]
    """Temporal's time-skipping test server (Java, provisioned from Maven Central): days pass
    instantly while a workflow waits on timers and nothing else is running."""
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.testing import WorkflowEnvironment

    exe = TEST_SERVER / "temporal-test-server"
    if not exe.exists():
        pytest.fail(f"{exe} is missing: run 'deploy/local/provision.sh testserver'")
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest

    from core.search_attributes import ALL

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(exe),
        data_converter=pydantic_data_converter,
        test_server_startup_timeout=timedelta(seconds=120),  # a JVM on 2 busy cores starts slowly
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={k.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for k in ALL},
        )
    )
    yield env
    await env.shutdown()


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
def agent_stack(infra: Stack, messages_peer: MessagesPeer) -> Stack:
    """The hourly cycle's parts: SMTP server, agent and messaging workers (no browser)."""
    infra.mail()
    infra.worker("worker-agent", "agent")
    infra.worker("worker-messaging", "messaging")
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


@pytest.fixture
def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"
