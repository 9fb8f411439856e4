"""The one workflow sandbox (workers/sandbox.py): telemetry and client libraries a workflow run
reaches for (the OTel SDK, its OTLP exporter's ``requests``/``urllib3``, ``redis``) are the
host's, so importing them while a workflow runs works and warns nothing. Temporal's default
sandbox warns ("Module ... was imported after initial workflow load") and, for
``opentelemetry.context`` (it reads ``os.environ`` on import), fails the workflow task with
RestrictedWorkflowAccessError, retried forever: the exporter failures CI saw."""

from __future__ import annotations

import uuid
import warnings

from temporalio import workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker, WorkflowRunner

from workers.sandbox import PASSTHROUGH, workflow_runner


@workflow.defn(name="SandboxImports")
class SandboxImportsWorkflow:
    @workflow.run
    async def run(self) -> int:
        import opentelemetry.context  # noqa: F401 (what the tracing interceptor's spans reach for)
        import opentelemetry.sdk.metrics  # noqa: F401
        import redis.asyncio.client  # noqa: F401
        import requests.exceptions  # noqa: F401
        import urllib3.response  # noqa: F401

        return 5


async def late_imports(env: WorkflowEnvironment, runner: WorkflowRunner) -> list[str]:
    """The "imported after initial workflow load" warnings of one run on ``runner``."""
    queue = f"sandbox-{uuid.uuid4().hex[:8]}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with Worker(
            env.client, task_queue=queue, workflows=[SandboxImportsWorkflow], workflow_runner=runner
        ):
            assert (
                await env.client.execute_workflow(SandboxImportsWorkflow.run, id=queue, task_queue=queue) == 5
            )
    return [str(w.message) for w in caught if "imported after initial workflow load" in str(w.message)]


async def test_telemetry_modules_pass_through_the_sandbox(time_env: WorkflowEnvironment) -> None:
    assert {"opentelemetry", "urllib3", "requests", "redis"} <= set(PASSTHROUGH)
    assert await late_imports(time_env, workflow_runner()) == []
