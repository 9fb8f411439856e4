"""Shared steps of ``HealthCheck`` and ``CredentialRotation`` (deterministic code only): run an
operation as a child workflow, test the stored credential, notify."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows import ids
    from workflows.integrations import activities as acts
    from workflows.integrations.messages import IntegrationRef
    from workflows.notify.messages import EventKind, NotifyInput, PayloadValue
    from workflows.notify.workflow import notify
    from workflows.operation import activities as op_acts
    from workflows.operation.errors import failure_text
    from workflows.operation.messages import (
        ConnectionTestInput,
        LoadDefinitionInput,
        OperationInput,
        OperationResult,
        OperationTuning,
    )
    from workflows.operation.workflow import AutonomousOperationWorkflow


async def run_operation(
    ref: IntegrationRef, operation: str, tuning: OperationTuning, extra: dict[str, str] | None = None
) -> OperationResult:
    """The operation as a child workflow (``op-{tenant}-{uuid}``, system-initiated: it runs under
    the tenant's persisted consent and waits ``tuning.consent_timeout_s`` for one otherwise)."""
    op_id = str(workflow.uuid4())
    result: OperationResult = await workflow.execute_child_workflow(
        AutonomousOperationWorkflow.run,
        OperationInput(
            operation_id=op_id,
            tenant_id=ref.tenant_id,
            service=ref.service,
            operation=operation,
            initiated_by="system",
            inputs={"site_url": ref.site_url, **(extra or {})},
            tuning=tuning,
        ),
        id=ids.operation_workflow_id(ref.tenant_id, op_id),
        task_queue=workflow.info().task_queue,
    )
    return result


async def test_credential(ref: IntegrationRef) -> tuple[bool, str]:
    """The generating definition's connection test on the credential now in Vault, pinned to the
    vetted site: (passed, tenant-safe detail). A refused target or an unreachable site is a fail."""
    try:
        definition = await op_acts.load_definition(
            LoadDefinitionInput(service=ref.service, operation=ref.generate_operation)
        )
        if definition.connection_test is None:
            return False, f"{ref.service}/{ref.generate_operation} has no connection test"
        vetted = await acts.vet_integration(ref)
        test = await op_acts.test_connection(
            ConnectionTestInput(
                tenant_id=ref.tenant_id,
                service=ref.service,
                credential_type=ref.credential_type,
                admin_credential=ref.admin_credential,
                site_url=ref.site_url,
                test=definition.connection_test,
                pins=vetted.pins,
                purpose="health_check",
            )
        )
    except ActivityError as e:
        return False, failure_text(e)
    return test.passed, test.detail


async def send(ref: IntegrationRef, kind: EventKind, subject: str, key: str, **payload: PayloadValue) -> None:
    """Notify the tenant (``Notify``, an abandoned child; exactly once per ``key``)."""
    await notify(
        NotifyInput(
            tenant_id=ref.tenant_id,
            kind=kind,
            subject=subject,
            key=key,
            payload={"service": ref.service, "credential_type": ref.credential_type, **payload},
        )
    )
