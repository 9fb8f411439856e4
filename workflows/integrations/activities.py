"""Typed activity stubs of ``HealthCheck`` and ``CredentialRotation`` (issue 15 Builds 4, 5), on
the workflow's own queue (the agent worker: DB and Vault) with ``retry.INTEGRATION`` (an outage
retries without limit, so a crash between two steps resumes). Deterministic: call only from
workflow code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

from workflows import retry

with workflow.unsafe.imports_passed_through():
    from workflows.integrations.messages import (
        BeginRotationInput,
        FinishRotationInput,
        IntegrationConsent,
        IntegrationRef,
        RecordCheckInput,
        RestoreInput,
        RotationStart,
        RotationStepInput,
        SettlePendingInput,
        SwitchInput,
        SwitchResult,
        VettedIntegration,
    )

TIMEOUT = timedelta(seconds=30)


async def _call(name: str, arg: Any, result_type: type | None = None) -> Any:
    return await workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        task_queue=workflow.info().task_queue,
        start_to_close_timeout=TIMEOUT,
        retry_policy=retry.INTEGRATION,
    )


async def vet_integration(ref: IntegrationRef) -> VettedIntegration:
    """The registered site's vetted pins (raises non-retryable ``TargetRefused``)."""
    result: VettedIntegration = await _call("vet_integration", ref, VettedIntegration)
    return result


async def integration_consent(ref: IntegrationRef) -> IntegrationConsent:
    """Whether active consents let the system regenerate (with ``auto_renew``) and revoke."""
    result: IntegrationConsent = await _call("integration_consent", ref, IntegrationConsent)
    return result


async def record_check(inp: RecordCheckInput) -> None:
    await _call("record_check", inp)


async def begin_rotation(inp: BeginRotationInput) -> RotationStart:
    result: RotationStart = await _call("begin_rotation", inp, RotationStart)
    return result


async def audit_rotation_step(inp: RotationStepInput) -> None:
    await _call("audit_rotation_step", inp)


async def settle_pending_revoke(inp: SettlePendingInput) -> None:
    await _call("settle_pending_revoke", inp)


async def switch_credential(inp: SwitchInput) -> SwitchResult:
    result: SwitchResult = await _call("switch_credential", inp, SwitchResult)
    return result


async def restore_credential(inp: RestoreInput) -> None:
    await _call("restore_credential", inp)


async def finish_rotation(inp: FinishRotationInput) -> None:
    await _call("finish_rotation", inp)
