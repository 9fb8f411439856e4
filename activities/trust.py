"""Trust activities of the operation workflow (issue 10): what a session may reach, and whether a
signal has the record behind it. Sync (DB, Vault, DNS), on the agent worker's thread pool.

- ``prepare_session``, before every session open: the target must be the origin the tenant's
  credential (of the definition's type) is registered for, and pass ``core.targets.vet`` (the
  operator's allowlist for http/local origins; the stack's service ports refused); each of the
  definition's ``allowed_domains`` is vetted as ``https://host`` by the same rules. The admin
  credential is then response-wrapped for this one session (single use, ``targets.wrap_ttl_s``).
  A refusal is a non-retryable ``TargetRefused`` whose message is ``core.targets.REFUSED`` only;
  the cause goes to the server log.
- ``verify_consent`` / ``verify_confirmation``: signals are hints, records are the truth. The
  workflow honours ``grant_consent`` only for the active consent the API persisted for this
  tenant, service and operation, and ``confirm_action`` only for the decision row of this tenant,
  operation and step; it uses what the record says (who, expiry, approved).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.credential_reads import CredentialReader
from core.failures import Failure
from core.logging import get_logger
from core.settings import Settings
from core.targets import REFUSED, Resolver, TargetRefused, parse_origin, resolve
from core.vault import VaultStore, credential_path
from schema.db import tenant_transaction
from schema.repositories import confirmations, consent, credentials, site_allowlist
from workflows.operation.browser_messages import PreparedSession, SitePin
from workflows.operation.trust_messages import (
    PrepareSessionInput,
    VerifiedConfirmation,
    VerifiedConsent,
    VerifyConfirmationInput,
    VerifyConsentInput,
)

log = get_logger("activities.trust")


def refused(tenant_id: str, code: str, detail: str) -> ApplicationError:
    """The one tenant-visible refusal; the cause is logged (server side only)."""
    log.warning("operation target refused", tenant_id=tenant_id, code=code, detail=detail)
    return ApplicationError(REFUSED, type=Failure.TARGET_REFUSED, non_retryable=True)


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class TrustActivities:
    def __init__(
        self, settings: Settings, engine: Engine, vault: VaultStore, resolver: Resolver = resolve
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._vault = vault
        self._resolver = resolver

    @activity.defn(name="prepare_session")
    def prepare_session(self, inp: PrepareSessionInput) -> PreparedSession:
        """Pins (registered origin first) and the wrapped admin credential for one session."""
        try:
            site = parse_origin(inp.site_url)
        except TargetRefused as e:
            raise refused(inp.tenant_id, e.code, e.detail) from None
        origin = str(site)
        urls = [origin, *(f"https://{h}" for h in inp.allowed_domains if h.lower() != site.host)]
        pins: list[SitePin] = []
        with tenant_transaction(self._engine, inp.tenant_id) as s:
            if (
                credentials.registered_site(s, inp.tenant_id, inp.service, inp.credential_type, origin)
                is None
            ):
                raise refused(
                    inp.tenant_id, "unregistered", f"no {inp.credential_type} credential for {origin}"
                )
            for url in urls:
                try:
                    pin = site_allowlist.vet_target(
                        s, inp.tenant_id, url, self._settings.service_ports, self._resolver
                    )
                except TargetRefused as e:
                    raise refused(inp.tenant_id, e.code, e.detail) from None
                o = pin.origin
                pins.append(SitePin(scheme=o.scheme, host=o.host, port=o.port, address=pin.address))
        path = credential_path(inp.tenant_id, inp.service, inp.credential_type)
        secret = CredentialReader(self._vault, self._engine).read(inp.tenant_id, path, "prepare_session")
        if not secret:
            raise ApplicationError(
                "the admin credential is not in Vault", type=Failure.CREDENTIAL_MISSING, non_retryable=True
            )
        wrap = self._vault.wrap(secret, self._settings.targets.wrap_ttl_s)
        return PreparedSession(pins=pins, credential_wrap=wrap)

    @activity.defn(name="verify_consent")
    def verify_consent(self, inp: VerifyConsentInput) -> VerifiedConsent:
        """The active consent ``inp.consent_id`` of this tenant, service and operation, if any."""
        consent_id = _uuid(inp.consent_id)
        if consent_id is None:
            return VerifiedConsent(found=False)
        with tenant_transaction(self._engine, inp.tenant_id) as s:
            c = consent.get_active_consent(
                s, inp.tenant_id, inp.service, inp.operation, consent_id, datetime.now(UTC)
            )
            if c is None:
                return VerifiedConsent(found=False)
            return VerifiedConsent(
                found=True,
                consent_id=str(c.id),
                granted_by=c.user_id,
                granted_at=c.granted_at,
                expires_at=c.expires_at,
            )

    @activity.defn(name="verify_confirmation")
    def verify_confirmation(self, inp: VerifyConfirmationInput) -> VerifiedConfirmation:
        """The decision ``inp.confirmation_id`` on this tenant's operation and step, if any."""
        confirmation_id = _uuid(inp.confirmation_id or "")
        operation_id = _uuid(inp.operation_id)
        if confirmation_id is None or operation_id is None:
            return VerifiedConfirmation(found=False)
        with tenant_transaction(self._engine, inp.tenant_id) as s:
            row = confirmations.find_confirmation(
                s, inp.tenant_id, operation_id, inp.step_number, confirmation_id
            )
            if row is None:
                return VerifiedConfirmation(found=False)
            return VerifiedConfirmation(
                found=True,
                approved=row.approved,
                by=row.decided_by,
                reason=row.reason,
                decided_at=row.decided_at,
            )
