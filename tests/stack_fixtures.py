"""Shared stack fixtures (a pytest plugin, registered by tests/conftest.py): the same local stack as
``make run``, on its own ports and data dir, for the workflow and integration tests.

Importing this module does nothing but define; the work happens in session fixtures, only when a
test asks for them (tests/integration and tests/workflows ask for ``stack_env`` in every test;
tests/unit and tests/replay never do, so they run with no stack and an untouched environment).
Fixtures are layered so a test starts only what it needs: ``temporal_client`` (Temporal) and
``time_env`` (the time-skipping test server) here; ``infra`` < ``agent_stack`` < ``live`` < ``api``
in tests/integration/conftest.py. Short durations replace long waits (consent, heartbeat,
schedule-to-start).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from devstack.config import StackConfig
from devstack.stack import Stack

if TYPE_CHECKING:
    from temporalio.client import Client
    from temporalio.testing import WorkflowEnvironment

ROOT = Path(__file__).resolve().parents[1]
PORT_OFFSET = int(os.environ.get("OMNIOPS_TEST_PORT_OFFSET", "0"))
"""Added to every test-stack port but WordPress's (one shared system site), so several test stacks
(each with its own ``OMNIOPS_TEST_DATA``) can run side by side; use multiples of 10 below 100."""
PEER_PORT = 18900 + PORT_OFFSET
OTLP_PORT = 18318 + PORT_OFFSET
OAUTH_PORT = 18418 + PORT_OFFSET
"""The in-test OAuth 2.0 provider (tests/peers/oauth2.py): token endpoint and Dovecot's introspection."""
"""The in-test OTLP/HTTP trace receiver (tests/peers/otlp.py) every stack process exports to."""
DATA = Path(os.environ.get("OMNIOPS_TEST_DATA", "/var/tmp/omniops-test"))  # noqa: S108 - owner-checked
TEST_CONFIG = StackConfig(
    data_dir=DATA,
    temporal_port=17233 + PORT_OFFSET,
    ui_port=18233 + PORT_OFFSET,
    vault_port=18200 + PORT_OFFSET,
    pg_port=55433 + PORT_OFFSET,
    api_port=18000 + PORT_OFFSET,
    wp_port=8089,
    smtp_port=12525 + PORT_OFFSET,
    redis_port=16379 + PORT_OFFSET,
    imap_port=11143 + PORT_OFFSET,
    oauth_port=OAUTH_PORT,
    # OMNIOPS_TEST_CLUSTER=1 (make test-cluster): the Temporal server itself on the stack's Postgres
    temporal_cluster=os.environ.get("OMNIOPS_TEST_CLUSTER") == "1",
    extra_env={
        "OMNIOPS_OPERATIONS__CONSENT_TIMEOUT_S": "120",
        "OMNIOPS_OPERATIONS__STEP_HEARTBEAT_S": "2",
        "OMNIOPS_OPERATIONS__SESSION_SCHEDULE_TO_START_S": "4",
        "OMNIOPS_OPERATIONS__STEP_TIMEOUT_S": "30",
        "OMNIOPS_LOG_LEVEL": "INFO",
        # tenant keyrings cached 2 s, so a rotation reaches running workers within a test (issue 11)
        "OMNIOPS_CRYPTO__KEY_CACHE_S": "2",
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
        # every in-process request comes from one peer ("testclient") and tests poll fast: the
        # limits are on (their code runs) but out of reach; tests/integration/test_rate_limits.py
        # builds apps with small ones
        "OMNIOPS_LIMITS__PER_IP": "1000000/minute",
        "OMNIOPS_LIMITS__PER_TENANT": "1000000/minute",
        # outages (issue 17): activities retry a frozen dependency every <= 5 s, health probes wait 1 s
        "OMNIOPS_RESILIENCE__MAX_BACKOFF_S": "5",
        "OMNIOPS_RESILIENCE__PROBE_TIMEOUT_S": "1",
        # traces of every process go over OTLP/HTTP to the in-test receiver (issue 17 Build 4)
        "OMNIOPS_OBSERVABILITY__OTLP_ENDPOINT": f"http://127.0.0.1:{OTLP_PORT}/v1/traces",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        # one uvicorn process per test API (python -m api): tests start several APIs on 2 shared
        # cores; bench/api_reads.py measures the default (one per CPU)
        "OMNIOPS_API__WORKERS": "1",
    },
)
TEST_SERVER = (
    Path(os.environ.get("OMNIOPS_CACHE", Path.home() / ".cache" / "omniops")) / "temporal-test-server"
)


def _clear_leftovers(config: StackConfig) -> None:
    """A stack that is not running (no Temporal or Vault pidfile) starts from a clean Temporal
    database (in cluster mode: its Postgres databases are recreated), object store, logs and
    pidfiles; Postgres and the secrets are kept."""
    if any((config.run_dir / f"{n}.pid").exists() for n in ("temporal", "vault")):
        return
    if config.temporal_cluster:
        from devstack.temporal_cluster import request_reset

        request_reset(config)
    for leftover in ("temporal.db", "objects", "logs", "run"):
        p = config.data_dir / leftover
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def stack_env() -> Iterator[Stack]:
    """The test stack's data dir (fresh leftovers cleared, a copy of definitions/) and its
    OMNIOPS_* environment for this process, restored at the end of the session. The tests also
    get the owner role's URL (``schema.db.owner_transaction``: fixtures that seed or inspect rows
    across tenants); the stack's API and workers do not."""
    from core.settings import get_settings

    if TEST_CONFIG.data_dir.exists():
        _clear_leftovers(TEST_CONFIG)
    stack = Stack(TEST_CONFIG)
    shutil.rmtree(DATA / "definitions", ignore_errors=True)
    shutil.copytree(ROOT / "definitions", DATA / "definitions")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in {**stack.env(), **stack.owner_env()}.items():
            mp.setenv(key, value)
        # in-process apps (AsyncTestClient) must not gc.freeze() the test process (api/gc_tuning.py):
        # every app built after it would stay frozen, uncollected, for the rest of the session
        mp.setenv("OMNIOPS_API__GC_FREEZE", "false")
        get_settings.cache_clear()  # settings read before this (unit tests) saw another environment
        yield stack
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def stack(stack_env: Stack) -> Iterator[Stack]:
    """The test stack; stopped at the end of the session unless OMNIOPS_TEST_KEEP_STACK=1."""
    yield stack_env
    if os.environ.get("OMNIOPS_TEST_KEEP_STACK") != "1":  # keep it to debug a failure
        stack_env.down()


@pytest.fixture(scope="session")
async def temporal_client(stack: Stack) -> Client:
    """A codec-less client on the real dev server (for workflow tests with stand-in activities)."""
    from core.temporal import connect

    stack.temporal()
    return await connect(encrypted=False)


@contextlib.asynccontextmanager
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh Temporal time-skipping test server (Java, provisioned from Maven Central), with our
    search attributes: days pass instantly while a workflow waits on timers and nothing else is
    running."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.testing import WorkflowEnvironment

    from core.search_attributes import ALL

    exe = TEST_SERVER / "temporal-test-server"
    if not exe.exists():
        pytest.fail(f"{exe} is missing: run 'deploy/local/provision.sh testserver'")
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
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    """The session's shared :func:`time_skipping_env`."""
    async with time_skipping_env() as env:
        yield env


@pytest.fixture
async def own_time_env() -> AsyncIterator[WorkflowEnvironment]:
    """A :func:`time_skipping_env` of the test's own, for a test whose history leaves the Java test
    server unable to skip time afterwards (seen with the alert sweep's delivery: every later
    ``sleep`` on the shared server timed out)."""
    async with time_skipping_env() as env:
        yield env
