"""What an operation tells the tenant (issue 15 Build 7) and what it registers (Build 4), under
patch :data:`ANNOUNCE` (deterministic code only; old histories have neither).

- Events ``operation.waiting_for_consent``, ``operation.waiting_for_confirmation``,
  ``operation.completed`` and ``operation.failed`` go out through ``Notify`` (an abandoned
  child workflow, exactly once per operation and event), with ids, statuses and the Vault path
  only, never a secret.
- A completed operation whose extracted credential passed its connection test registers the
  integration (``register_integration``: its status row, its daily health check and its rotation
  schedule). A registration that cannot be made is logged; the operation still completes.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows import retry
    from workflows.integrations.messages import IntegrationRef, RegisterIntegrationInput, integration_id
    from workflows.notify.messages import EventKind, NotifyInput, PayloadValue
    from workflows.notify.workflow import notify
    from workflows.operation.messages import OperationInput, OperationResult, OperationStatus

ANNOUNCE = "operation-notifies-and-registers-integrations"
"""Patch id: the operation notifies its events and registers the integration it made."""

FINAL: dict[OperationStatus, EventKind] = {
    OperationStatus.COMPLETED: "operation.completed",
    OperationStatus.FAILED: "operation.failed",
}


def waiting_for_consent(inp: OperationInput, waits: bool) -> None:
    """``operation.waiting_for_consent`` when no active consent was found at start."""
    if waits:
        waiting(inp, "operation.waiting_for_consent", "consent")


def waiting(inp: OperationInput, kind: EventKind, key: str, **payload: PayloadValue) -> None:
    """Notify a wait (consent, confirmation) in the background: the operation waits for a person
    anyway, so the child's start never delays the wait (or a consent's expiry check)."""
    if workflow.patched(ANNOUNCE):
        asyncio.ensure_future(event(inp, kind, key, **payload))


async def event(inp: OperationInput, kind: EventKind, key: str, **payload: PayloadValue) -> None:
    """Notify ``kind`` once per (operation, ``key``), if the workflow runs under the patch."""
    if not workflow.patched(ANNOUNCE):
        return
    subject = f"{inp.service}/{inp.operation}: {kind.removeprefix('operation.').replace('_', ' ')}"
    body: dict[str, PayloadValue] = {"operation_id": inp.operation_id, "service": inp.service}
    body |= {"operation": inp.operation, **payload}
    await notify(
        NotifyInput(
            tenant_id=inp.tenant_id, kind=kind, subject=subject, key=f"{inp.operation_id}:{key}", payload=body
        )
    )


async def finished(
    inp: OperationInput, result: OperationResult, credential_type: str | None
) -> OperationResult:
    """The final event, and the integration registration of a tested credential; ``result``."""
    kind = FINAL.get(result.status)
    if kind is None or not workflow.patched(ANNOUNCE):
        return result
    await event(
        inp,
        kind,
        result.status.value,
        status=result.status.value,
        reason=result.reason,
        credential_path=result.credential_path,
        connection_test_passed=result.connection_test_passed,
    )
    if result.status != OperationStatus.COMPLETED or not credential_type or not result.connection_test_passed:
        return result
    ref = IntegrationRef(
        tenant_id=inp.tenant_id,
        integration_id=integration_id(inp.tenant_id, inp.service, credential_type),
        service=inp.service,
        credential_type=credential_type,
        site_url=inp.inputs.get("site_url", ""),
        generate_operation=inp.operation,
        revoke_operation=f"{credential_type}_revocation",
    )
    try:
        await workflow.execute_activity(
            "register_integration",
            RegisterIntegrationInput(
                ref=ref, credential_name=f"omniops-{inp.operation_id}", tuning=inp.tuning
            ),
            task_queue=workflow.info().task_queue,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=retry.DB,
        )
    except ActivityError as e:
        workflow.logger.warning("integration not registered: %s", type(e.cause).__name__)
    return result
