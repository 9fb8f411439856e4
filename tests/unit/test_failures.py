"""Failure types are recorded in workflow histories: their values never change."""

from __future__ import annotations

from core.failures import Failure
from workflows import retry

RECORDED = {
    "SessionLost",
    "CheckpointMissing",
    "CredentialMissing",
    "InvalidStep",
    "StepFailed",
    "PolicyBlocked",
    "InvalidCredentials",
    "AIUnavailable",
    "AIRequestRejected",
    "AIRetryable",
    "DatabaseError",
    "DefinitionError",
    "SmtpUnavailable",
    "SmtpDeferred",
    "SmtpConfig",
    "CycleFailed",
    "TargetRefused",
    "CredentialBlocked",
    "ConfirmationRequired",
    "CredentialWrapSpent",
    "DocumentUnextractable",
    "MailboxGone",
    # issue 17: dependency outages (core/outages.py)
    "DatabaseUnavailable",
    "VaultUnavailable",
    "ImapUnavailable",
    "DependencyUnavailable",
}


def test_every_recorded_failure_type_keeps_its_value() -> None:
    assert {f.value for f in Failure} == RECORDED


def test_the_named_policies_never_retry_what_cannot_heal() -> None:
    assert retry.AI.non_retryable_error_types == ["AIUnavailable", "AIRequestRejected"]
    step = retry.browser_step(3, 1.5, 2.0)
    assert step.non_retryable_error_types == [
        "SessionLost",
        "CredentialMissing",
        "InvalidStep",
        "CredentialBlocked",  # issue 10: a blocked credential fails the operation closed
        "ConfirmationRequired",
        "TargetRefused",
    ]
    assert retry.TRUST.non_retryable_error_types == [
        "TargetRefused",
        "CredentialMissing",
        "CredentialWrapSpent",
        "DatabaseError",
    ]
    assert (step.maximum_attempts, step.initial_interval.total_seconds(), step.backoff_coefficient) == (
        3,
        1.5,
        2.0,
    )


def test_extraction_never_retries_an_unextractable_file() -> None:
    assert retry.EXTRACT.non_retryable_error_types == ["DocumentUnextractable", "DatabaseError"]
