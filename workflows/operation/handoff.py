"""The hand-off of a credential a step extracted (deterministic code only).

The browser worker response-wraps the extracted value (``StepResult.credential_wrap``); the
agent's ``record_credential`` unwraps it into Vault and writes its metadata. Under patch
``operation-session-prepared`` that is awaited, so the connection test that follows reads the new
credential from Vault; before it (old histories) only the metadata was written, in the background.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ActivityError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from workflows.operation import activities as acts
    from workflows.operation import trust_activities as trust
    from workflows.operation.browser_messages import SitePin, StepResult
    from workflows.operation.definition import OperationDefinition, StepDefinition
    from workflows.operation.errors import StepAbort, failure_text
    from workflows.operation.messages import (
        ConnectionTestInput,
        ConnectionTestResult,
        OperationInput,
        RecordCredentialInput,
    )
    from workflows.operation.session import SESSION_PREPARED
    from workflows.operation.trail import AuditTrail

Credential = tuple[str, str, str]
"""(credential type, Vault path, fingerprint) of the credential a step extracted."""


async def hand_off(
    inp: OperationInput,
    definition: OperationDefinition,
    step: StepDefinition,
    res: StepResult,
    trail: AuditTrail,
) -> Credential | None:
    """Record the credential ``res`` carries, if any. Raises StepAbort when it cannot be recorded
    (e.g. ``CredentialWrapSpent``)."""
    if not (res.credential_path and (res.credential_fingerprint or res.credential_wrap) and step.store_as):
        return None
    record = RecordCredentialInput(
        tenant_id=inp.tenant_id,
        service=inp.service,
        credential_type=step.store_as,
        vault_path=res.credential_path,
        fingerprint=res.credential_fingerprint or "",
        site_url=inp.inputs.get("site_url"),
        created_by=f"operation:{inp.operation_id}",
        credential_wrap=res.credential_wrap,
        admin_credential=definition.credential,
        store_fields=step.store_fields,
        inputs=inp.inputs,
        operation_id=inp.operation_id,
        step_number=definition.steps.index(step) + 1,
    )
    fp: str | None = None
    if not workflow.patched(SESSION_PREPARED):
        trail.in_background(acts.start_record_credential(record))
    else:
        try:
            fp = await trust.record_credential(record)
        except ActivityError as e:
            if is_cancelled_exception(e):
                raise asyncio.CancelledError from None
            raise StepAbort(f"the new credential could not be stored: {failure_text(e)}") from None
    # the keyed fingerprint record_credential computed (issue 11); histories recorded before it
    # return null there and carry the browser's unkeyed fingerprint instead
    return step.store_as, res.credential_path, fp or res.credential_fingerprint or ""


async def test_connection(
    op: OperationInput, definition: OperationDefinition, tested: str, pins: list[SitePin]
) -> ConnectionTestResult:
    """The definition's connection test of credential type ``tested`` through the session's vetted
    ``pins``; under the patch a test that cannot run (the site unreachable after its retries, the
    target refused) is a failed test with the activity's tenant-safe message. Before it (old
    histories) such a failure failed the workflow itself."""
    inp = ConnectionTestInput(
        tenant_id=op.tenant_id,
        service=op.service,
        credential_type=tested,
        admin_credential=definition.credential,
        site_url=op.inputs["site_url"],
        test=definition.connection_test,
        pins=pins,
        operation=op.operation,
        definition_version=definition.version,
        inputs=op.inputs,
        operation_id=op.operation_id,
    )
    if not workflow.patched(SESSION_PREPARED):
        return await acts.test_connection(inp)
    try:
        return await acts.test_connection(inp)
    except ActivityError as e:
        if is_cancelled_exception(e):
            raise asyncio.CancelledError from None
        return ConnectionTestResult(passed=False, status_code=0, detail=failure_text(e))
