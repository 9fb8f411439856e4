"""Every named retry policy, in one place (STYLE.md practice 4: named policies applied at the
call site). Workflows and their activity stubs import from here; nothing else builds a
``RetryPolicy``.

Non-retryable failure types are the :class:`core.failures.Failure` values the activities raise.

Dependency outages (issue 17, Build 7): a transient Vault, Postgres, SMTP, IMAP or LLM error is
waited out inside the attempt by the workers' ``core/outage_interceptor.py`` (bounded backoff,
1 s doubling to ``resilience.max_backoff_s``, until the attempt's start-to-close deadline), so a
policy here spends one attempt per start-to-close of outage, not one per failed call: e.g. a
browser step's 3 attempts of 60 s outlast 3 minutes, a cycle DB step's 5 of 60 s 5 minutes, an
email's 8 of 60 s 8 minutes; the unlimited policies (``DB_UNBOUNDED``, ``TRUST``, ``PATIENT``)
outlast any outage. Outage failure types (``DatabaseUnavailable``, ``VaultUnavailable``, ...)
are never listed as non-retryable.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

from core.failures import Failure

DB = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30), maximum_attempts=5
)
"""A short idempotent DB step (local activity): 1 s, doubling to 30 s, 5 attempts."""

DB_UNBOUNDED = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
"""The operation workflow's DB steps: 1 s doubling to 30 s, no attempt limit."""

PATIENT = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    maximum_attempts=0,
)
"""A process that lives for weeks (a compliance check): its DB steps retry until the database is
back (a rejected write is non-retryable and still fails at once)."""

EMAIL = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=60), maximum_attempts=8
)
"""``send_email`` through the outbox: 1 s doubling to 60 s, 8 attempts (the key makes it exactly once)."""

TWICE = RetryPolicy(maximum_attempts=2)
"""Best effort: observe a page, close a session."""

THRICE = RetryPolicy(maximum_attempts=3)
"""The connection test."""

FIVE_TIMES = RetryPolicy(maximum_attempts=5)
"""Opening a browser session."""

TRUST = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=[
        Failure.TARGET_REFUSED,
        Failure.CREDENTIAL_MISSING,
        Failure.CREDENTIAL_WRAP_SPENT,
        Failure.DATABASE_ERROR,
    ],
)
"""What the operation may trust (issue 10): ``prepare_session``, ``verify_consent``,
``verify_confirmation`` and the awaited ``record_credential``. DB and Vault outages retry (1 s
doubling to 30 s, no limit); a refused target, a missing credential or a spent wrap fails at once."""

DEFAULT = RetryPolicy()
"""Temporal's default: 1 s doubling to 100 s, no attempt limit (the sentiment call; it falls back
to keywords itself when the AI fails)."""

AI = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2,
    maximum_attempts=6,
    non_retryable_error_types=[Failure.AI_UNAVAILABLE, Failure.AI_REQUEST_REJECTED],
)
"""``decide_action``: 2 s doubling, 6 attempts; no key or a rejected request fails at once."""

BROWSER_STEP_NON_RETRYABLE = [
    Failure.SESSION_LOST,
    Failure.CREDENTIAL_MISSING,
    Failure.INVALID_STEP,
    Failure.CREDENTIAL_BLOCKED,
    Failure.CONFIRMATION_REQUIRED,
    Failure.TARGET_REFUSED,
]


def browser_step(max_attempts: int, initial_interval_s: float, backoff: float) -> RetryPolicy:
    """``run_step``: the step definition's own retry spec (attempts, first interval in seconds,
    backoff); a lost session, a missing credential, an invalid step, a placeholder the credential
    firewall blocked, an AI submit that needs a confirmation and a refused target are never
    retried here (issue 10: a blocked credential fails the operation closed)."""
    return RetryPolicy(
        maximum_attempts=max_attempts,
        initial_interval=timedelta(seconds=initial_interval_s),
        backoff_coefficient=backoff,
        non_retryable_error_types=BROWSER_STEP_NON_RETRYABLE,
    )


EXTRACT = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=5,
    non_retryable_error_types=[Failure.DOCUMENT_UNEXTRACTABLE, Failure.DATABASE_ERROR],
)
"""A document's extraction (issue 14): a killed worker or an outage retries (1 s doubling to
30 s, 5 attempts); an unextractable file or a rejected write never does."""


MAILBOX = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=60),
    maximum_attempts=6,
    non_retryable_error_types=[Failure.MAILBOX_GONE, Failure.DATABASE_ERROR],
)
"""A mailbox sync batch (issue 13): a killed worker, a dropped IMAP connection or a token
endpoint outage retries (1 s doubling to 60 s, 6 attempts; the next 5-minute run goes on from the
checkpoint anyway); a deleted connection or a rejected write never does."""

LIFECYCLE = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=10,
    non_retryable_error_types=[Failure.DATABASE_ERROR],
)
"""Audit export, erasure and retention steps (issue 16): idempotent, so a Vault, disk or
database outage retries (2 s doubling to 5 min, 10 attempts); a rejected write fails at once."""
