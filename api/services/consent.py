"""Consent: record a grant (roles, permissions, expiry, IP, user agent), revoke, list, and
signal the tenant's operations (seed 000 consent flow).

Who may grant, revoke and list is the matrix's (:mod:`api.authz.matrix`: owner and admin). Left
here: a grant (also ``consent: true`` on initiate) needs one of ``settings.auth.consent_roles``;
the granters' IP address and user agent (personal data) are shown to the tenant's owner only
(:data:`PERSONAL_DATA_ROLE`). A grant must name all of the definition's permissions (400), and
may add :data:`~workflows.integrations.messages.AUTO_RENEW` (issue 15: health checks and rotations
may then regenerate the credential on their own); a grant moves the service's ``needs_consent``
integrations back to ``unknown``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from api.auth import Principal
from api.errors import PermissionDeniedException, ValidationException
from api.schemas.consent import ConsentRequest, ConsentResponse, ConsentView
from api.services.definitions import load_definition
from api.services.operation_signals import OperationSignals
from api.services.operation_status import OperationStatusService
from core.settings import Settings
from schema.db import tenant_transaction
from schema.repositories import consent as consent_repo
from schema.repositories import integrations as integrations_repo
from schema.repositories import operations as operations_repo
from schema.repositories.definitions import DefinitionRegistry
from schema.tables import AutonomousConsent
from workflows.integrations.messages import AUTO_RENEW
from workflows.operation.messages import ConsentGrant, ConsentRevoke

PERSONAL_DATA_ROLE = "owner"
"""The tenant role that sees the granters' IP addresses and user agents in consent records."""


def consent_view(c: AutonomousConsent, personal: bool = True) -> ConsentView:
    """The record; without ``personal`` its IP address and user agent are None."""
    return ConsentView(
        id=str(c.id),
        service=c.service,
        operation=c.operation,
        permissions=c.permissions,
        user_id=c.user_id,
        granted_at=c.granted_at,
        expires_at=c.expires_at,
        revoked_at=c.revoked_at,
        ip_address=str(c.ip_address) if personal and c.ip_address else None,
        user_agent=c.user_agent if personal else None,
    )


def grant_signal(c: AutonomousConsent) -> ConsentGrant:
    """The ``grant_consent`` signal an operation receives for this consent."""
    return ConsentGrant(consent_id=str(c.id), granted_by=c.user_id, expires_at=c.expires_at)


def consent_record(
    p: Principal,
    service: str,
    operation: str,
    permissions: list[str],
    days: int,
    ip: str | None,
    user_agent: str | None,
) -> AutonomousConsent:
    """A new consent row granted by ``p`` now, expiring in ``days`` days (not yet written)."""
    now = datetime.now(UTC)
    return AutonomousConsent(
        tenant_id=p.tenant_id,
        user_id=p.user_id,
        service=service,
        operation=operation,
        permissions=permissions,
        granted_at=now,
        expires_at=now + timedelta(days=days),
        ip_address=ip,
        user_agent=user_agent,
    )


class ConsentService:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        registry: DefinitionRegistry,
        operations: OperationStatusService,
        signals: OperationSignals,
    ) -> None:
        self.engine, self.settings, self.registry = engine, settings, registry
        self.operations, self.signals = operations, signals

    def _write_grant(self, consent: AutonomousConsent) -> AutonomousConsent:
        with tenant_transaction(self.engine, consent.tenant_id) as s:
            written = consent_repo.grant_consent(s, consent)
            integrations_repo.clear_needs_consent(s, consent.tenant_id, consent.service)
            return written

    def _find_active(self, tenant_id: str, service: str, operation: str) -> AutonomousConsent | None:
        with tenant_transaction(self.engine, tenant_id) as s:
            return consent_repo.find_active_consent(s, tenant_id, service, operation, datetime.now(UTC))

    async def find_active(self, p: Principal, service: str, operation: str) -> AutonomousConsent | None:
        """The tenant's active consent for (service, operation), or None."""
        return await asyncio.to_thread(self._find_active, p.tenant_id, service, operation)

    def check_grant(
        self, p: Principal, service: str, operation: str, permissions: list[str] | None
    ) -> list[str]:
        """The permissions a grant by ``p`` would record: 403 for a role that may not grant,
        400 unless they are exactly the definition's. Writes nothing."""
        if not p.has_any(self.settings.auth.consent_roles):
            raise PermissionDeniedException(
                f"granting consent needs one of the roles: {', '.join(self.settings.auth.consent_roles)}"
            )
        definition = load_definition(self.registry, service, operation)
        perms = permissions if permissions is not None else definition.permissions
        unknown = sorted(set(perms) - set(definition.permissions) - {AUTO_RENEW})
        if unknown:
            raise ValidationException(f"unknown permissions for {service}/{operation}: {', '.join(unknown)}")
        if set(perms) - {AUTO_RENEW} != set(definition.permissions):
            raise ValidationException(
                f"{service}/{operation} needs all of: {', '.join(definition.permissions)}"
            )
        return perms

    async def record_grant(
        self,
        p: Principal,
        service: str,
        operation: str,
        permissions: list[str] | None,
        expires_in_days: int | None,
        ip: str | None,
        user_agent: str | None,
    ) -> AutonomousConsent:
        """Write a consent record (checked by :meth:`check_grant`); expiry defaults to
        ``settings.operations.consent_ttl_days``."""
        perms = self.check_grant(p, service, operation, permissions)
        days = expires_in_days or self.settings.operations.consent_ttl_days
        consent = consent_record(p, service, operation, perms, days, ip, user_agent)
        return await asyncio.to_thread(self._write_grant, consent)

    async def change(
        self, p: Principal, body: ConsentRequest, ip: str | None, ua: str | None
    ) -> ConsentResponse:
        """``POST /api/autonomous/consent``: grant or revoke, then signal the operations."""
        if body.action == "grant":
            consent, signalled = await self.grant(p, body, ip, ua)
            return ConsentResponse(
                action="grant", consent=consent_view(consent), operations_signalled=signalled
            )
        n, signalled = await self.revoke(p, body)
        return ConsentResponse(action="revoke", revoked=n, operations_signalled=signalled)

    async def grant(
        self, p: Principal, body: ConsentRequest, ip: str | None, ua: str | None
    ) -> tuple[AutonomousConsent, list[str]]:
        """Record the grant and signal ``body.operation_id`` (404 before anything is written when it
        is not the tenant's), or every operation of (service, operation) awaiting consent."""
        if body.operation_id:
            await self.operations.require_operation(p, body.operation_id)
        consent = await self.record_grant(
            p, body.service, body.operation, body.permissions, body.expires_in_days, ip, ua
        )
        signal = grant_signal(consent)
        if body.operation_id:
            return consent, await self.signals.signal_one(p, body.operation_id, "grant_consent", signal)
        return consent, await self.signals.signal_active(
            p.tenant_id, body.service, body.operation, "grant_consent", signal, ("awaiting_consent",)
        )

    def _revoke(self, p: Principal, body: ConsentRequest) -> int:
        with tenant_transaction(self.engine, p.tenant_id) as s:
            return consent_repo.revoke_consents(
                s, p.tenant_id, body.service, body.operation, p.user_id, body.reason, datetime.now(UTC)
            )

    async def revoke(self, p: Principal, body: ConsentRequest) -> tuple[int, list[str]]:
        """Revoke every active consent of (service, operation); signal the active operations."""
        if body.operation_id:
            await self.operations.require_operation(p, body.operation_id)
        n = await asyncio.to_thread(self._revoke, p, body)
        signal = ConsentRevoke(revoked_by=p.user_id, reason=body.reason)
        if body.operation_id:
            return n, await self.signals.signal_one(p, body.operation_id, "revoke_consent", signal)
        return n, await self.signals.signal_active(
            p.tenant_id,
            body.service,
            body.operation,
            "revoke_consent",
            signal,
            operations_repo.ACTIVE_STATUSES,
        )

    def _list(self, tenant_id: str) -> list[AutonomousConsent]:
        with tenant_transaction(self.engine, tenant_id) as s:
            return consent_repo.list_consents(s, tenant_id)

    async def list_consents(self, p: Principal) -> list[ConsentView]:
        """The tenant's consents, newest first; IP and user agent for the owner only."""
        personal = PERSONAL_DATA_ROLE in p.roles
        return [consent_view(c, personal) for c in await asyncio.to_thread(self._list, p.tenant_id)]
