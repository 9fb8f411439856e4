"""Messages of the activities that check what the operation may trust (issue 10): the session's
target and credential (``prepare_session``), and the records behind a consent or confirmation
signal (``verify_consent``, ``verify_confirmation``). Signals are hints; records are the truth.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from workflows.models import Frozen


class PrepareSessionInput(Frozen):
    """Vet the operation's target against the tenant's registered credential and wrap that
    credential for one browser session."""

    tenant_id: str
    service: str
    credential_type: str
    site_url: str
    allowed_domains: list[str] = Field(default_factory=list)


class VerifyConsentInput(Frozen):
    tenant_id: str
    service: str
    operation: str
    consent_id: str


class VerifiedConsent(Frozen):
    """The persisted consent behind a ``grant_consent`` signal (None fields: no such record)."""

    found: bool
    consent_id: str | None = None
    granted_by: str | None = None
    granted_at: datetime | None = None
    expires_at: datetime | None = None


class VerifyConfirmationInput(Frozen):
    tenant_id: str
    operation_id: str
    step_number: int
    confirmation_id: str | None = None


class VerifiedConfirmation(Frozen):
    """The persisted confirmation behind a ``confirm_action`` signal (``found`` False: none)."""

    found: bool
    approved: bool = False
    by: str | None = None
    reason: str | None = None
    decided_at: datetime | None = None
