"""Notify, HealthCheck and CredentialRotation (issue 15 Builds 4, 5, 7) on the real dev server,
with stand-in activities registered under the real names and a stand-in operation workflow
(``AutonomousOperationWorkflow``) whose outcome each test scripts. The real paths (WordPress,
Vault, Chromium) are in tests/integration/test_integration_health.py."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from tests.histories import record
from workflows import ids
from workflows.email import SendEmailInput, SendEmailResult
from workflows.integrations.health import HealthCheckWorkflow
from workflows.integrations.messages import (
    BeginRotationInput,
    FinishRotationInput,
    HealthCheckInput,
    IntegrationConsent,
    IntegrationRef,
    RecordCheckInput,
    RestoreInput,
    RotationInput,
    RotationStart,
    RotationStepInput,
    RotationTuning,
    SettlePendingInput,
    SwitchInput,
    SwitchResult,
    VettedIntegration,
)
from workflows.integrations.rotation import CredentialRotationWorkflow
from workflows.notify.messages import DeliverWebhookInput, DeliverWebhookResult, NotifyInput, NotifyPlan
from workflows.notify.workflow import NotifyWorkflow
from workflows.operation.browser_messages import SitePin
from workflows.operation.definition import OperationDefinition
from workflows.operation.messages import (
    ConnectionTestInput,
    ConnectionTestResult,
    LoadDefinitionInput,
    OperationInput,
    OperationResult,
    OperationStatus,
)

DEFINITION = OperationDefinition(
    service="wordpress",
    operation="application_password_generation",
    version=1,
    credential="admin",
    permissions=["log_in_as_admin"],
    steps=[{"intent": "Open", "action": "navigate", "target": "/"}],  # type: ignore[list-item]
    connection_test={"path": "/?rest_route=/wp/v2/users/me"},  # type: ignore[arg-type]
)
SCRIPTS: dict[str, list[str]] = {}
"""Tenant -> the statuses the stand-in operation ends with, in order (read by the unsandboxed
stand-in workflow)."""


@workflow.defn(name="AutonomousOperationWorkflow")
class FakeOperation:
    @workflow.run
    async def run(self, inp: OperationInput) -> OperationResult:
        status = OperationStatus(SCRIPTS[inp.tenant_id].pop(0))
        made = status == OperationStatus.COMPLETED and inp.operation.endswith("_generation")
        return OperationResult(
            operation_id=inp.operation_id,
            status=status,
            credential_path="secret/omniops/x" if made else None,
            reason=None if status == OperationStatus.COMPLETED else "scripted failure",
        )


@dataclass
class Fake:
    tenant: str
    auto_renew: bool = True
    tests: list[bool] = field(default_factory=list)
    """Connection-test outcomes in order (then passes)."""
    calls: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    audits: list[tuple[str, bool]] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)
    pending: str | None = None
    """The credential an earlier rotation left pending revocation (begin_rotation reports it)."""

    def activities(self) -> list[Any]:
        @activity.defn(name="load_definition")
        async def load_definition(inp: LoadDefinitionInput) -> OperationDefinition:
            return DEFINITION

        @activity.defn(name="vet_integration")
        async def vet_integration(ref: IntegrationRef) -> VettedIntegration:
            return VettedIntegration(
                pins=[SitePin(scheme="https", host="shop.test", port=443, address="1.2.3.4")]
            )

        @activity.defn(name="test_connection")
        async def test_connection(inp: ConnectionTestInput) -> ConnectionTestResult:
            ok = self.tests.pop(0) if self.tests else True
            self.calls.append(f"test:{ok}")
            return ConnectionTestResult(
                passed=ok, status_code=200 if ok else 401, detail=f"HTTP {200 if ok else 401}"
            )

        @activity.defn(name="integration_consent")
        async def integration_consent(ref: IntegrationRef) -> IntegrationConsent:
            return IntegrationConsent(
                auto_renew=self.auto_renew, detail="" if self.auto_renew else "no auto_renew"
            )

        @activity.defn(name="record_check")
        async def record_check(inp: RecordCheckInput) -> None:
            self.checks.append(inp.status)

        @activity.defn(name="begin_rotation")
        async def begin_rotation(inp: BeginRotationInput) -> RotationStart:
            self.calls.append("begin")
            return RotationStart(old_version=3, old_name="omniops-old", pending_revoke=self.pending)

        @activity.defn(name="settle_pending_revoke")
        async def settle_pending_revoke(inp: SettlePendingInput) -> None:
            self.calls.append(f"settle:{inp.name}:{inp.revoked}")

        @activity.defn(name="audit_rotation_step")
        async def audit_rotation_step(inp: RotationStepInput) -> None:
            self.audits.append((inp.step, inp.success))

        @activity.defn(name="switch_credential")
        async def switch_credential(inp: SwitchInput) -> SwitchResult:
            self.calls.append(f"switch:{inp.old_name}:{inp.old_works}")
            return SwitchResult(new_version=4)

        @activity.defn(name="restore_credential")
        async def restore_credential(inp: RestoreInput) -> None:
            self.calls.append(f"restore:{inp.old_version}")

        @activity.defn(name="finish_rotation")
        async def finish_rotation(inp: FinishRotationInput) -> None:
            self.finished.append(inp.status)

        @activity.defn(name="plan_notification")
        async def plan_notification(inp: NotifyInput) -> NotifyPlan:
            self.events.append(inp.kind)
            return NotifyPlan(endpoints=["e1", "e2"], email_to="ops@example.test")

        @activity.defn(name="deliver_webhook")
        async def deliver_webhook(inp: DeliverWebhookInput) -> DeliverWebhookResult:
            self.hooks.append(f"{inp.endpoint_id}:{inp.kind}")
            if inp.endpoint_id == "e2":
                raise ApplicationError("disabled", type="WebhookDisabled", non_retryable=True)
            return DeliverWebhookResult(delivered=True, status_code=200)

        @activity.defn(name="send_email")
        async def send_email(inp: SendEmailInput) -> SendEmailResult:
            self.emails.append(inp.subject)
            return SendEmailResult(status="sent", message_id="<m@x>")

        return [
            load_definition, vet_integration, test_connection, integration_consent, record_check,
            begin_rotation, audit_rotation_step, switch_credential, restore_credential, finish_rotation,
            settle_pending_revoke,
            plan_notification, deliver_webhook, send_email,
        ]  # fmt: skip


def ref(tenant: str) -> IntegrationRef:
    return IntegrationRef(
        tenant_id=tenant,
        integration_id=uuid.uuid4().hex,
        service="wordpress",
        credential_type="application_password",
        site_url="https://shop.test",
        generate_operation="application_password_generation",
        revoke_operation="application_password_revocation",
    )


async def run(client: Client, fake: Fake, wf: Any, arg: Any, wid: str, events: int = 0) -> Any:
    """Run ``wf`` to its result on a fresh queue; then wait for ``events`` abandoned ``Notify``
    children to deliver on the same worker."""
    queue = f"integ-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[NotifyWorkflow, HealthCheckWorkflow, CredentialRotationWorkflow, FakeOperation],
        activities=fake.activities(),
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        if isinstance(arg, NotifyInput):
            arg = arg.model_copy(update={"email_queue": queue})
        handle = await client.start_workflow(wf, arg, id=wid, task_queue=queue)
        result = await handle.result()
        await record(handle)
        # the abandoned Notify children finish on this worker too
        for _ in range(200):
            if len(fake.events) >= events and len(fake.hooks) >= 2 * len(fake.events):
                break
            await asyncio.sleep(0.05)
    return result


@pytest.fixture
def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


async def test_notify_signs_to_every_endpoint_and_emails_once(temporal_client: Client, tenant: str) -> None:
    fake = Fake(tenant)
    event = NotifyInput(
        tenant_id=tenant, kind="operation.completed", subject="done", key="k1", payload={"a": 1}
    )
    result = await run(temporal_client, fake, NotifyWorkflow.run, event, ids.notify_workflow_id(tenant, "k1"))
    assert (result.webhooks_delivered, result.webhooks_failed, result.email_status) == (1, 1, "sent")
    assert sorted(fake.hooks) == ["e1:operation.completed", "e2:operation.completed"] and fake.emails == [
        "done"
    ]


async def test_a_passing_health_check_records_healthy(temporal_client: Client, tenant: str) -> None:
    fake, r = Fake(tenant), ref(tenant)
    result = await run(
        temporal_client,
        fake,
        HealthCheckWorkflow.run,
        HealthCheckInput(ref=r),
        ids.health_workflow_id(tenant, r.integration_id),
    )
    assert result.passed and fake.checks == ["healthy"] and fake.events == []


async def test_a_failing_check_without_auto_renew_asks_for_consent(
    temporal_client: Client, tenant: str
) -> None:
    fake, r = Fake(tenant, auto_renew=False, tests=[False]), ref(tenant)
    result = await run(
        temporal_client,
        fake,
        HealthCheckWorkflow.run,
        HealthCheckInput(ref=r),
        ids.health_workflow_id(tenant, r.integration_id),
        events=2,
    )
    assert result.status == "needs_consent" and fake.checks == ["failing", "needs_consent"]
    assert fake.events == ["integration.health_check_failed", "integration.needs_consent"]
    assert "begin" not in fake.calls


async def test_a_failing_check_with_auto_renew_heals_by_rotation(
    temporal_client: Client, tenant: str
) -> None:
    SCRIPTS[tenant] = ["completed"]  # regenerate; the old one is dead, nothing to revoke
    fake, r = Fake(tenant, tests=[False, False, True]), ref(tenant)  # check, test_old, test_new
    result = await run(
        temporal_client,
        fake,
        HealthCheckWorkflow.run,
        HealthCheckInput(ref=r),
        ids.health_workflow_id(tenant, r.integration_id),
        events=2,
    )
    assert result.status == "healthy" and result.rotation == "rotated"
    assert fake.calls == ["test:False", "begin", "test:False", "test:True", "switch:omniops-old:False"]
    assert [s for s, _ in fake.audits] == ["test_old", "regenerate", "test_new"] and fake.finished == [
        "healthy"
    ]
    assert "integration.rotation_completed" in fake.events


async def test_a_rotation_whose_new_credential_fails_keeps_the_old(
    temporal_client: Client, tenant: str
) -> None:
    SCRIPTS[tenant] = ["completed", "completed"]  # regenerate, then revoke the new one
    fake, r = Fake(tenant, tests=[True, False]), ref(tenant)  # test_old, test_new
    inp = RotationInput(ref=r, rotation=RotationTuning(revoke_attempts=2, revoke_retry_s=1))
    result = await run(
        temporal_client,
        fake,
        CredentialRotationWorkflow.run,
        inp,
        ids.rotation_workflow_id(tenant, r.integration_id),
    )
    assert result.status == "failed"
    assert "restore:3" in fake.calls and not any(c.startswith("switch") for c in fake.calls)
    assert ("revoke_1", True) in fake.audits and fake.finished == ["failing"] and not SCRIPTS[tenant]


async def test_a_failed_revoke_is_retried_until_the_old_credential_is_gone(
    temporal_client: Client, tenant: str
) -> None:
    SCRIPTS[tenant] = ["completed", "failed", "completed"]  # regenerate, revoke fails once, revoke
    fake, r = Fake(tenant), ref(tenant)
    inp = RotationInput(ref=r, rotation=RotationTuning(revoke_attempts=3, revoke_retry_s=1))
    result = await run(
        temporal_client,
        fake,
        CredentialRotationWorkflow.run,
        inp,
        ids.rotation_workflow_id(tenant, r.integration_id),
    )
    assert result.status == "rotated" and result.old_revoked and result.new_version == 4
    assert [a for a in fake.audits if a[0].startswith("revoke")] == [("revoke_1", False), ("revoke_2", True)]
    assert fake.calls[-1] == "switch:omniops-old:True" and fake.finished == ["healthy"]


async def test_a_credential_an_earlier_rotation_left_live_is_revoked_first(
    temporal_client: Client, tenant: str
) -> None:
    """A terminated run switched to ``omniops-old`` and never revoked ``omniops-older``: this run
    revokes it before it makes a new one (patch ``rotation-revokes-earlier-pending``)."""
    SCRIPTS[tenant] = ["completed", "completed", "completed"]  # revoke older, regenerate, revoke old
    fake, r = Fake(tenant, pending="omniops-older"), ref(tenant)
    inp = RotationInput(ref=r, rotation=RotationTuning(revoke_attempts=1, revoke_retry_s=1))
    result = await run(
        temporal_client,
        fake,
        CredentialRotationWorkflow.run,
        inp,
        ids.rotation_workflow_id(tenant, r.integration_id),
    )
    assert result.status == "rotated" and result.old_revoked
    assert fake.calls[:3] == ["begin", "settle:omniops-older:True", "test:True"]
    assert fake.finished == ["healthy"] and not SCRIPTS[tenant]


async def test_a_rotation_stops_while_an_earlier_credential_cannot_be_revoked(
    temporal_client: Client, tenant: str
) -> None:
    """No new credential while an old one is live: the run ends ``revoke_failed`` and the
    pending name stays for the next run."""
    SCRIPTS[tenant] = ["failed", "failed"]  # both revoke attempts of the older credential fail
    fake, r = Fake(tenant, pending="omniops-older"), ref(tenant)
    inp = RotationInput(ref=r, rotation=RotationTuning(revoke_attempts=2, revoke_retry_s=1))
    result = await run(
        temporal_client,
        fake,
        CredentialRotationWorkflow.run,
        inp,
        ids.rotation_workflow_id(tenant, r.integration_id),
        events=1,
    )
    assert (result.status, result.detail) == ("failed", "revoke_failed")
    assert fake.calls == ["begin", "settle:omniops-older:False"]  # no test, no regenerate
    assert fake.finished == ["revoke_failed"] and "integration.rotation_failed" in fake.events
