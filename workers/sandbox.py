"""The workflow sandbox: THE one place a worker's workflow runner is built (workers/run.py,
bench/ and the workflow tests all use :func:`workflow_runner`).

Temporal's default restrictions plus :data:`PASSTHROUGH`:

- libraries that are not workflow code but get imported while a workflow runs (the OpenTelemetry
  SDK when the tracing interceptor ends a span in the workflow and its OTLP exporter reaches for
  ``requests``/``urllib3``; ``redis`` with its OTel observability hooks). Passed through, they are
  the host's one copy: no "Module ... was imported after initial workflow load" warning, no second
  OTel SDK (with its own provider and exporter state) inside the sandbox.
- our own ``workflows`` package (issue 17, hourly cycles at scale). The sandbox otherwise
  re-executes a workflow's module, its parent packages and every module it imports outside
  ``imports_passed_through`` for EVERY workflow run (each cache miss): re-running the
  ``@workflow.defn`` decorators (signature and type-hint inspection) of every class in the module.
  Measured (``bench/cycles.py``'s sizing, one process, best of 5): a ``TenantCycle`` instance cost
  34 ms with its module re-imported and 6 ms passed through; an empty workflow 24 ms and 3.5 ms.
  ``workflows/`` is deterministic by the house rules (no I/O, clock, randomness or environment;
  ``tests/unit/test_layers.py`` keeps every higher layer out of it), holds no mutable module
  state, and the committed histories still replay under Temporal's strict default sandbox
  (``tests/replay``, ``Replayer`` with no runner override), which re-imports these modules and
  refuses a restricted call at run time.

Workflow code still never calls the passed-through libraries (no I/O).

:class:`CompiledSandboxRunner` is Temporal's runner with one change: the few fixed snippets the
sandbox ``exec``s for every activation and for every payload sequence it encodes or decodes
(``get_serialization_context``, since SDK 1.35) are compiled once per process instead of at each
call; the profile of the agent worker under bench/cycles.py had that compile as the largest
self time of any function (5% of its GIL samples).
"""

from __future__ import annotations

from types import CodeType
from typing import Any

from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.worker.workflow_sandbox._runner import _Instance

PASSTHROUGH = ("opentelemetry", "urllib3", "requests", "redis", "workflows")
"""Top-level packages (their submodules too) taken from the host instead of re-imported."""


_COMPILED: dict[str, CodeType] = {}
"""Snippet -> its code object; the snippets are the SDK's constants (one per workflow type for
the instance creation), so the dict stays small."""


class _CompiledInstance(_Instance):
    def _run_code(self, code: str, **extra_globals: Any) -> None:
        compiled = _COMPILED.get(code)
        if compiled is None:
            compiled = _COMPILED[code] = compile(code, "<workflow sandbox>", "exec")
        super()._run_code(compiled, **extra_globals)  # type: ignore[arg-type]  # exec takes code


class CompiledSandboxRunner(SandboxedWorkflowRunner):
    """:class:`SandboxedWorkflowRunner` whose instances exec precompiled snippets."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _CompiledInstance(det, self.runner_class, self.restrictions)


def restrictions(*extra: str) -> SandboxRestrictions:
    """Temporal's defaults with :data:`PASSTHROUGH` (and ``extra`` modules) passed through."""
    return SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH, *extra)


def workflow_runner(*extra: str) -> WorkflowRunner:
    """The sandboxed runner every ``Worker(..., workflows=...)`` takes as ``workflow_runner``.
    ``extra``: more modules of deterministic workflow code passed through like ``workflows``
    (the bench's bare baseline passes its own workflow module, so both phases run the same
    runner)."""
    return CompiledSandboxRunner(restrictions=restrictions(*extra))
