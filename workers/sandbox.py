"""The workflow sandbox: THE one place a worker's workflow runner is built (workers/run.py,
bench/ and the workflow tests all use :func:`workflow_runner`).

Temporal's default restrictions plus :data:`PASSTHROUGH`: libraries that are not workflow code
but get imported while a workflow runs (the OpenTelemetry SDK when the tracing interceptor ends a
span in the workflow and its OTLP exporter reaches for ``requests``/``urllib3``; ``redis`` with
its OTel observability hooks). Passed through, they are the host's one copy: no
"Module ... was imported after initial workflow load" warning, no second OTel SDK (with its own
provider and exporter state) inside the sandbox. Workflow code still never calls them (no I/O).
"""

from __future__ import annotations

from temporalio.worker import WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PASSTHROUGH = ("opentelemetry", "urllib3", "requests", "redis")
"""Top-level packages (their submodules too) taken from the host instead of re-imported."""


def restrictions() -> SandboxRestrictions:
    """Temporal's defaults with :data:`PASSTHROUGH` passed through."""
    return SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)


def workflow_runner() -> WorkflowRunner:
    """The sandboxed runner every ``Worker(..., workflows=...)`` takes as ``workflow_runner``."""
    return SandboxedWorkflowRunner(restrictions=restrictions())
