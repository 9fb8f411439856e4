"""PlanWorkflow on the real Temporal dev server (issue 15, Build 6), with a stand-in child.

The child runs under the operation workflow's registered name (``AutonomousOperationWorkflow``)
and asks a stand-in activity what to do, so the test decides which step fails and when; the
real operation workflow as a plan's child runs in tests/integration/test_plans.py.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from temporalio import activity, workflow
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import CancelledError
from temporalio.worker import Worker

from tests.histories import record
from workers.sandbox import workflow_runner
from workflows.ids import plan_step_operation_id
from workflows.operation.messages import (
    ConsentGrant,
    ConsentRevoke,
    OperationInput,
    OperationResult,
    OperationStatus,
)
from workflows.operation.trust_messages import VerifiedConsent, VerifyConsentInput
from workflows.plan.definition import PlanDefinition, PlanStep
from workflows.plan.messages import PlanInput, PlanProgress, PlanResume, PlanStatus, PlanTuning, StepStatus
from workflows.plan.workflow import PlanWorkflow

SITE = {"site_url": "{{plan.site_url}}"}
PLAN = PlanDefinition(
    plan="three_steps",
    version=3,
    steps=[
        PlanStep(service="wordpress", operation="application_password_generation", inputs=SITE),
        PlanStep(
            service="wordpress",
            operation="application_password_check",
            inputs={**SITE, "credential_path": "{{steps.1.credential_path}}"},
        ),
        PlanStep(
            service="wordpress", operation="page_check", inputs={**SITE, "after": "{{steps.2.operation_id}}"}
        ),
    ],
)


@workflow.defn(name="AutonomousOperationWorkflow", sandboxed=False)
class ChildStandIn:
    """Asks ``plan_test_child`` for its outcome: completed, failed, or hold (until cancelled)."""

    def __init__(self) -> None:
        self.revoked: ConsentRevoke | None = None

    @workflow.signal
    def revoke_consent(self, revoke: ConsentRevoke) -> None:
        self.revoked = revoke

    @workflow.run
    async def run(self, inp: OperationInput) -> OperationResult:
        outcome: str = await workflow.execute_activity(
            "plan_test_child", inp, start_to_close_timeout=timedelta(seconds=10)
        )
        if outcome == "hold":
            await workflow.wait_condition(lambda: self.revoked is not None)
            reason = f"consent revoked by {self.revoked.revoked_by if self.revoked else None}"
            return OperationResult(
                operation_id=inp.operation_id, status=OperationStatus.CANCELLED, reason=reason
            )
        path = f"secret/omniops/tenants/{inp.tenant_id}/{inp.service}/{inp.operation}"
        if outcome == "completed":
            return OperationResult(
                operation_id=inp.operation_id, status=OperationStatus.COMPLETED, credential_path=path
            )
        return OperationResult(
            operation_id=inp.operation_id, status=OperationStatus.FAILED, reason="selector not found"
        )


@dataclass
class Fake:
    queue: str
    outcomes: dict[tuple[int, int], str] = field(default_factory=dict)
    """(step, attempt) -> outcome; anything not listed completes."""
    children: list[OperationInput] = field(default_factory=list)
    consent_checks: list[VerifyConsentInput] = field(default_factory=list)

    def activities(self) -> list:  # type: ignore[type-arg]
        @activity.defn(name="plan_test_child")
        async def child(inp: OperationInput) -> str:
            self.children.append(inp)
            assert inp.plan is not None
            step = next(
                (s, a)
                for s in (1, 2, 3)
                for a in (1, 2, 3)
                if plan_step_operation_id(inp.plan.plan_id, s, a) == inp.operation_id
            )
            return self.outcomes.get(step, "completed")

        @activity.defn(name="verify_consent")
        async def verify_consent(inp: VerifyConsentInput) -> VerifiedConsent:
            self.consent_checks.append(inp)
            ok = (inp.service, inp.operation, inp.consent_id) == ("plan", PLAN.plan, "pc1")
            return VerifiedConsent(found=ok, consent_id=inp.consent_id if ok else None, granted_by="alice")

        return [child, verify_consent]


@pytest.fixture
def fake() -> Fake:
    return Fake(queue=f"test-{uuid.uuid4()}")


async def start(
    client: Client,
    fake: Fake,
    grant: str | None = "pc1",
    consent_timeout_s: int = 60,
    resume_window_s: int = 600,
):  # type: ignore[no-untyped-def]
    plan_id = str(uuid.uuid4())
    inp = PlanInput(
        plan_id=plan_id,
        tenant_id="t",
        user_id="alice",
        definition=PLAN,
        permissions=["log_in_as_admin", "create_application_password"],
        inputs={"site_url": "http://localhost:1"},
        tuning=PlanTuning(consent_timeout_s=consent_timeout_s, resume_window_s=resume_window_s),
    )
    return await client.start_workflow(
        PlanWorkflow.run,
        inp,
        id=f"plan-t-{plan_id}",
        task_queue=fake.queue,
        start_signal="grant_consent" if grant else None,
        start_signal_args=[ConsentGrant(consent_id=grant)] if grant else [],
    )


async def wait_for(handle, cond, what: str, timeout: float = 30) -> PlanProgress:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        state = await handle.query(PlanWorkflow.status)
        if cond(state):
            return state
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the plan never reached {what!r} in {timeout}s; last: {state}")
        await asyncio.sleep(0.05)


def worker(client: Client, fake: Fake) -> Worker:
    return Worker(
        client,
        task_queue=fake.queue,
        workflows=[PlanWorkflow, ChildStandIn],
        activities=fake.activities(),
        workflow_runner=workflow_runner(),
    )


async def test_the_second_step_fails_once_and_resume_skips_the_completed_first(
    temporal_client: Client, fake: Fake
) -> None:
    fake.outcomes[(2, 1)] = "failed"
    async with worker(temporal_client, fake):
        handle = await start(temporal_client, fake)
        failed = await wait_for(handle, lambda s: s.status == PlanStatus.FAILED, "failed")
        assert [(s.status, s.attempts) for s in failed.steps] == [
            (StepStatus.COMPLETED, 1),
            (StepStatus.FAILED, 1),
            (StepStatus.PENDING, 0),
        ]
        assert failed.reason == "step 2 (application_password_check) failed: selector not found"
        await handle.signal(PlanWorkflow.resume, PlanResume(requested_by="alice"))
        result = await handle.result()
        await record(handle)
    assert result.status == PlanStatus.COMPLETED
    assert [(s.status, s.attempts) for s in result.steps] == [
        (StepStatus.COMPLETED, 1),
        (StepStatus.COMPLETED, 2),
        (StepStatus.COMPLETED, 1),
    ]
    plan_id = result.plan_id
    # one child per attempt, step 1 never repeated; each attempt a new operation id
    assert [c.operation_id for c in fake.children] == [
        plan_step_operation_id(plan_id, 1, 1),
        plan_step_operation_id(plan_id, 2, 1),
        plan_step_operation_id(plan_id, 2, 2),
        plan_step_operation_id(plan_id, 3, 1),
    ]
    # references, not secrets: step 2 got step 1's Vault path, step 3 step 2's latest operation id
    first = fake.children[0]
    assert (
        fake.children[1].inputs["credential_path"] == f"secret/omniops/tenants/t/wordpress/{first.operation}"
    )
    assert fake.children[3].inputs["after"] == plan_step_operation_id(plan_id, 2, 2)
    # one consent, checked once by the plan, handed to every child (which checks its record)
    assert {(c.plan.plan, c.plan.consent_id) for c in fake.children if c.plan} == {("three_steps", "pc1")}
    assert len(fake.consent_checks) == 1 and result.consent_id == "pc1"


async def test_a_grant_without_its_record_runs_nothing(temporal_client: Client, fake: Fake) -> None:
    async with worker(temporal_client, fake):
        handle = await start(temporal_client, fake, grant="forged", consent_timeout_s=2)
        result = await handle.result()
    assert result.status == PlanStatus.CANCELLED and result.reason == "consent not granted within 2s"
    assert fake.children == [] and [c.consent_id for c in fake.consent_checks] == ["forged"]


async def test_cancelling_the_plan_cancels_its_running_child(temporal_client: Client, fake: Fake) -> None:
    fake.outcomes[(2, 1)] = "hold"
    async with worker(temporal_client, fake):
        handle = await start(temporal_client, fake)
        running = await wait_for(
            handle,
            lambda s: s.steps[1].status == StepStatus.RUNNING and len(fake.children) == 2,
            "step 2 running",
        )
        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as e:
            await handle.result()
        assert isinstance(e.value.cause, CancelledError)
        final = await handle.query(PlanWorkflow.status)
        await record(handle)
        child = temporal_client.get_workflow_handle(f"op-t-{running.steps[1].operation_id}")
        assert (await child.describe()).status == WorkflowExecutionStatus.CANCELED
    assert final.status == PlanStatus.CANCELLED
    assert [s.status for s in final.steps] == [
        StepStatus.COMPLETED,
        StepStatus.CANCELLED,
        StepStatus.CANCELLED,
    ]
    assert len(fake.children) == 2


async def test_a_revoke_stops_the_plan_and_reaches_its_running_child(
    temporal_client: Client, fake: Fake
) -> None:
    fake.outcomes[(2, 1)] = "hold"
    async with worker(temporal_client, fake):
        handle = await start(temporal_client, fake)
        await wait_for(
            handle,
            lambda s: s.steps[1].status == StepStatus.RUNNING and len(fake.children) == 2,
            "step 2 running",
        )
        await handle.signal(
            PlanWorkflow.revoke_consent, ConsentRevoke(revoked_by="bob", reason="changed mind")
        )
        result = await handle.result()
        await record(handle)
    assert result.status == PlanStatus.CANCELLED
    assert result.reason == "step 2 was cancelled: consent revoked by bob"
    assert [s.status for s in result.steps] == [
        StepStatus.COMPLETED,
        StepStatus.CANCELLED,
        StepStatus.PENDING,
    ]
    assert len(fake.children) == 2


async def test_a_failed_plan_not_resumed_in_its_window_ends_failed(
    temporal_client: Client, fake: Fake
) -> None:
    fake.outcomes[(1, 1)] = "failed"
    async with worker(temporal_client, fake):
        handle = await start(temporal_client, fake, resume_window_s=1)
        result = await handle.result()
    assert result.status == PlanStatus.FAILED
    assert result.reason == (
        "step 1 (application_password_generation) failed: selector not found; not resumed within 1s"
    )
    assert [s.status for s in result.steps] == [StepStatus.FAILED, StepStatus.PENDING, StepStatus.PENDING]
