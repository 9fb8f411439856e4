"""Failure types: the ``type`` of every ``ApplicationError`` an activity raises and a workflow
matches (``err.cause.type == Failure.SESSION_LOST``, ``non_retryable_error_types``).

The values are recorded in workflow histories: never change one (add a new member instead).
"""

from __future__ import annotations

from enum import StrEnum


class Failure(StrEnum):
    # browser session (activities/browser*)
    SESSION_LOST = "SessionLost"
    """No browser session for the operation on this worker (the worker restarted): reopen."""
    CHECKPOINT_MISSING = "CheckpointMissing"
    CREDENTIAL_MISSING = "CredentialMissing"
    """The Vault credential (or its TOTP secret) a step needs is absent: non-retryable."""
    INVALID_STEP = "InvalidStep"
    """A definition step that can never run (unknown placeholder, extract without store_as)."""
    STEP_FAILED = "StepFailed"
    """A step's selector or expected result did not appear; the AI may heal it."""
    POLICY_BLOCKED = "PolicyBlocked"
    """Navigation outside the domain allowlist."""
    INVALID_CREDENTIALS = "InvalidCredentials"
    """The site showed its error selector: it refused the credentials."""
    TARGET_REFUSED = "TargetRefused"
    """The operation's target is not a registered, vetted origin (core/targets.py): non-retryable."""
    CREDENTIAL_BLOCKED = "CredentialBlocked"
    """The credential firewall refused a placeholder (wrong origin, wrong element, the TOTP seed):
    non-retryable; the operation fails closed."""
    CONFIRMATION_REQUIRED = "ConfirmationRequired"
    """An AI action would submit a form on a page the definition does not name: it waits for a
    person's ``confirm_action`` and is then run again with ``confirmed``."""
    CREDENTIAL_WRAP_SPENT = "CredentialWrapSpent"
    """The response-wrapped credential handed to a session was already unwrapped or expired."""
    # the Messages API (activities/llm.py)
    AI_UNAVAILABLE = "AIUnavailable"
    """No Anthropic API key configured: self-healing is unavailable."""
    AI_REQUEST_REJECTED = "AIRequestRejected"
    """HTTP 400/401/403/404/422 from the Messages API: retrying will not help."""
    AI_RETRYABLE = "AIRetryable"
    """Overload, rate limit, 5xx or connection error: Temporal retries."""
    # storage and definitions
    DATABASE_ERROR = "DatabaseError"
    """The database rejected a write (integrity or data error): non-retryable."""
    DEFINITION_ERROR = "DefinitionError"
    """The operation definition is missing or invalid."""
    DATABASE_UNAVAILABLE = "DatabaseUnavailable"
    """Postgres unreachable, timed out or dropped the connection (issue 17): retried."""
    VAULT_UNAVAILABLE = "VaultUnavailable"
    """Vault timed out, refused the connection or answered 429/5xx (issue 17): retried."""
    IMAP_UNAVAILABLE = "ImapUnavailable"
    """The IMAP connection dropped or timed out (issue 17): retried."""
    DEPENDENCY_UNAVAILABLE = "DependencyUnavailable"
    """Some other network dependency refused, reset or timed out (issue 17): retried."""
    # email (activities/email.py)
    SMTP_UNAVAILABLE = "SmtpUnavailable"
    SMTP_DEFERRED = "SmtpDeferred"
    SMTP_CONFIG = "SmtpConfig"
    # workflows
    CYCLE_FAILED = "CycleFailed"
    """A cycle phase failed; raised by TenantCycleWorkflow itself."""
    DOCUMENT_UNEXTRACTABLE = "DocumentUnextractable"
    """A document that cannot be extracted (encrypted, corrupt, too big, zip bomb): never retried."""
    MAILBOX_GONE = "MailboxGone"
    """A mailbox sync whose connection was deleted (issue 13): never retried, the run ends."""
