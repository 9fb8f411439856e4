"""Messages of ``HealthCheck`` and ``CredentialRotation`` and their activities (issue 15 Builds
4, 5). No secret is ever a field: credentials are named by (tenant, service, type), Vault
versions and the name the site shows (``omniops-{operation_id}``)."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import Field

from workflows.models import Frozen
from workflows.operation.browser_messages import SitePin
from workflows.operation.messages import OperationTuning

AUTO_RENEW = "auto_renew"
"""The consent permission that lets a health check or rotation regenerate a credential on its own
(issue 15 Build 4), optional beside a definition's own permissions."""


def integration_id(tenant_id: str, service: str, credential_type: str) -> str:
    """The ``integration_status`` row id: sha256 of ``tenant|service|type``, 32 hex (the same as
    ``schema.tables.stable_id`` of those parts)."""
    return hashlib.sha256(f"{tenant_id}|{service}|{credential_type}".encode()).hexdigest()[:32]


class IntegrationRef(Frozen):
    """One stored integration credential and the operations that make and revoke it."""

    tenant_id: str
    integration_id: str
    """The ``integration_status`` row id (32 hex)."""
    service: str
    credential_type: str
    admin_credential: str = "admin"
    site_url: str
    generate_operation: str
    """The definition that regenerates it (``{credential_type}_generation``)."""
    revoke_operation: str
    """The definition that revokes one by name (``{credential_type}_revocation``)."""


class RotationTuning(Frozen):
    revoke_attempts: int = 5
    revoke_retry_s: int = 300


class HealthCheckInput(Frozen):
    ref: IntegrationRef
    tuning: OperationTuning = Field(default_factory=OperationTuning)
    rotation: RotationTuning = Field(default_factory=RotationTuning)


class HealthCheckResult(Frozen):
    passed: bool
    status: str
    detail: str = ""
    rotation: str | None = None
    """The self-healing rotation's outcome, when one ran."""


RotationReason = Literal["scheduled", "self_heal", "manual"]


class RotationInput(Frozen):
    ref: IntegrationRef
    reason: RotationReason = "scheduled"
    tuning: OperationTuning = Field(default_factory=OperationTuning)
    rotation: RotationTuning = Field(default_factory=RotationTuning)


class RotationResult(Frozen):
    status: Literal["rotated", "failed", "busy", "needs_consent"]
    detail: str = ""
    new_version: int | None = None
    old_revoked: bool = False


# --- activity messages ----------------------------------------------------------------------


class VettedIntegration(Frozen):
    pins: list[SitePin]


class IntegrationConsent(Frozen):
    auto_renew: bool
    detail: str = ""


class RecordCheckInput(Frozen):
    ref: IntegrationRef
    run: str
    passed: bool
    status: str
    detail: str = ""


class BeginRotationInput(Frozen):
    ref: IntegrationRef
    run: str
    reason: RotationReason


class RotationStart(Frozen):
    busy: bool = False
    old_version: int = 0
    old_name: str | None = None
    pending_revoke: str | None = None
    """The site name of a credential an earlier run switched away from and left unrevoked (it
    ended before its revoke: terminated, timed out, or ``revoke_failed``): revoked before this run
    makes another."""


class SettlePendingInput(Frozen):
    """The outcome of revoking an earlier run's ``pending_revoke`` credential ``name``."""

    ref: IntegrationRef
    run: str
    name: str
    revoked: bool


class RotationStepInput(Frozen):
    """One audited step of a rotation (``regenerate``, ``test_new``, ``switch``, ``revoke``...)."""

    ref: IntegrationRef
    run: str
    step: str
    success: bool
    detail: str = ""


class SwitchInput(Frozen):
    ref: IntegrationRef
    run: str
    old_version: int
    old_name: str | None
    new_name: str
    old_works: bool
    """Whether the old credential still authenticated before the rotation (only then is there
    something to revoke on the site)."""


class SwitchResult(Frozen):
    new_version: int


class RestoreInput(Frozen):
    ref: IntegrationRef
    run: str
    old_version: int
    detail: str


class FinishRotationInput(Frozen):
    ref: IntegrationRef
    run: str
    ok: bool
    status: str
    detail: str = ""


class RegisterIntegrationInput(Frozen):
    """An operation stored a tested credential: record the integration and schedule its health
    checks and rotation."""

    ref: IntegrationRef
    credential_name: str | None = None
    tuning: OperationTuning = Field(default_factory=OperationTuning)
