"""The workflow sandbox passes our ``workflows`` package through (workers/sandbox.py, issue 17):
a workflow run's sandbox takes the host's modules instead of re-executing the workflow's module,
its packages and its stubs for every run; Temporal's strict default sandbox (what the replay
tests use) still re-imports them."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import temporalio.workflow as tw
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from workers.sandbox import PASSTHROUGH, workflow_runner
from workflows.cycle.workflow import TenantCycleWorkflow

OURS = (
    "workflows",
    "workflows.cycle",
    "workflows.cycle.workflow",
    "workflows.cycle.activities",
    "workflows.retry",
)


def sandbox_modules(runner: Any) -> dict[str, Any]:
    """The sandbox's ``sys.modules`` after creating one ``TenantCycle`` instance on ``runner``."""
    made: dict[str, Any] = {}
    create = runner.create_instance

    def keep(det: Any) -> Any:
        made["instance"] = create(det)
        return made["instance"]

    object.__setattr__(runner, "create_instance", keep)

    async def prepare() -> None:  # the instance binds to the running loop
        runner.prepare_workflow(tw._Definition.must_from_class(TenantCycleWorkflow))

    asyncio.run(prepare())
    return dict(made["instance"].importer.new_modules)


def test_workflow_modules_are_the_hosts() -> None:
    assert "workflows" in PASSTHROUGH
    mods = sandbox_modules(workflow_runner())
    assert all(mods[m] is sys.modules[m] for m in OURS if m in mods)
    assert mods["workflows.cycle.workflow"] is sys.modules["workflows.cycle.workflow"]


def test_the_strict_default_sandbox_still_reimports_them() -> None:
    mods = sandbox_modules(SandboxedWorkflowRunner())
    assert mods["workflows.cycle.workflow"] is not sys.modules["workflows.cycle.workflow"]
