"""A plan's one consent (issue 15, Build 6): recorded in ``autonomous_consent`` with service
``plan``, operation = the plan's name and permissions = the union of its operations' permissions
(what ``GET /api/autonomous/plans/preview/{plan}`` and the plan's status show before the run).

Who may grant: one of ``settings.auth.consent_roles`` (403), as for an operation. The record is
written before the plan is signalled; the plan honours the signal only once it finds the record.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine

from api.auth import Principal
from api.errors import PermissionDeniedException
from api.services.consent import consent_record
from core.settings import Settings
from schema.db import tenant_transaction
from schema.repositories import consent as consent_repo
from schema.tables import AutonomousConsent
from workflows.plan.definition import PLAN_CONSENT_SERVICE


class PlanConsent:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings

    def check_role(self, p: Principal) -> None:
        """403 unless ``p`` may grant consent (``settings.auth.consent_roles``)."""
        if not p.has_any(self.settings.auth.consent_roles):
            raise PermissionDeniedException(
                f"granting consent needs one of the roles: {', '.join(self.settings.auth.consent_roles)}"
            )

    def _write(self, consent: AutonomousConsent) -> AutonomousConsent:
        with tenant_transaction(self.engine, consent.tenant_id) as s:
            return consent_repo.grant_consent(s, consent)

    async def grant(
        self,
        p: Principal,
        plan: str,
        permissions: list[str],
        expires_in_days: int | None,
        ip: str | None,
        user_agent: str | None,
    ) -> AutonomousConsent:
        """Record the grant of ``permissions`` for ``plan`` (403 for a role that may not grant);
        expiry defaults to ``settings.operations.consent_ttl_days``."""
        self.check_role(p)
        days = expires_in_days or self.settings.operations.consent_ttl_days
        consent = consent_record(p, PLAN_CONSENT_SERVICE, plan, permissions, days, ip, user_agent)
        return await asyncio.to_thread(self._write, consent)

    def _revoke(self, p: Principal, plan: str, reason: str | None) -> int:
        with tenant_transaction(self.engine, p.tenant_id) as s:
            return consent_repo.revoke_consents(
                s, p.tenant_id, PLAN_CONSENT_SERVICE, plan, p.user_id, reason, datetime.now(UTC)
            )

    async def revoke(self, p: Principal, plan: str, reason: str | None) -> int:
        """Revoke every active consent of ``plan``; how many."""
        return await asyncio.to_thread(self._revoke, p, plan, reason)
