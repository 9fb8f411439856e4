"""Typed stubs of the activities that check what the operation may trust (issue 10), on the
workflow's own queue (the agent worker: DB and Vault), with the named policy ``retry.TRUST``:
an outage retries, a refused target or a missing record answer fails at once.

Deterministic: call only from workflow code.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

from workflows import retry

with workflow.unsafe.imports_passed_through():
    from workflows.operation.browser_messages import PreparedSession
    from workflows.operation.messages import RecordCredentialInput
    from workflows.operation.trust_messages import (
        PrepareSessionInput,
        VerifiedConfirmation,
        VerifiedConsent,
        VerifyConfirmationInput,
        VerifyConsentInput,
    )

TRUST_TIMEOUT = timedelta(seconds=30)
"""DB and Vault work (and one DNS resolution per pinned host): 30 s start-to-close."""

WRITE_AFTER_UNWRAP_S = 120.0
"""Seconds ``record_credential`` waits out a Vault or Postgres outage after the single-use unwrap
(core/outage_retry.py): the value exists nowhere else then."""

RECORD_CREDENTIAL_TIMEOUT = timedelta(seconds=WRITE_AFTER_UNWRAP_S + 60)
"""``record_credential``'s start-to-close: the outage wait after the unwrap plus the unwrap, the
admin read and the metadata write."""


async def prepare_session(inp: PrepareSessionInput) -> PreparedSession:
    """Re-vet the target and wrap the admin credential for one session; raises (non-retryable)
    ``TargetRefused`` whose message is only ``core.targets.REFUSED``."""
    result: PreparedSession = await workflow.execute_activity(
        "prepare_session",
        inp,
        result_type=PreparedSession,
        task_queue=workflow.info().task_queue,
        start_to_close_timeout=TRUST_TIMEOUT,
        retry_policy=retry.TRUST,
    )
    return result


async def verify_consent(inp: VerifyConsentInput) -> VerifiedConsent:
    """The active persisted consent a ``grant_consent`` signal names (``found`` False: none)."""
    result: VerifiedConsent = await workflow.execute_activity(
        "verify_consent",
        inp,
        result_type=VerifiedConsent,
        task_queue=workflow.info().task_queue,
        start_to_close_timeout=TRUST_TIMEOUT,
        retry_policy=retry.TRUST,
    )
    return result


async def verify_confirmation(inp: VerifyConfirmationInput) -> VerifiedConfirmation:
    """The persisted decision a ``confirm_action`` signal names (``found`` False: none)."""
    result: VerifiedConfirmation = await workflow.execute_activity(
        "verify_confirmation",
        inp,
        result_type=VerifiedConfirmation,
        task_queue=workflow.info().task_queue,
        start_to_close_timeout=TRUST_TIMEOUT,
        retry_policy=retry.TRUST,
    )
    return result


async def record_credential(inp: RecordCredentialInput) -> str | None:
    """Unwrap the extracted value into Vault and write its metadata, awaited before the
    connection test reads it (raises non-retryable ``CredentialWrapSpent``). Returns the keyed
    fingerprint it recorded (None from workers before issue 11, whose activity returned nothing)."""
    fp = await workflow.execute_activity(
        "record_credential",
        inp,
        task_queue=workflow.info().task_queue,
        start_to_close_timeout=RECORD_CREDENTIAL_TIMEOUT,
        retry_policy=retry.TRUST,
    )
    return fp if isinstance(fp, str) and fp else None
