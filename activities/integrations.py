"""Health-check activities of stored integration credentials (issue 15 Build 4), agent queue,
sync (thread pool), each idempotent.

- ``vet_integration``: the registered site re-vetted and pinned (the same rule as a browser
  session's ``prepare_session``: registered origin, https or an operator-allowlisted origin).
- ``integration_consent``: whether the system may renew on its own: an active consent for the
  generating operation that includes ``auto_renew``, and one for the revoking operation.
- ``record_check``: the check's audit row and the integration's status.
- ``register_integration``: after an operation stored a credential, its ``integration_status``
  row and its health and rotation Temporal Schedules (created or replaced).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client

from activities.operations import permanent_db_errors
from activities.trust import refused
from core import schedules
from core.settings import Settings
from core.targets import Resolver, TargetRefused, parse_origin, resolve
from core.vault import VaultStore, credential_path
from schema.db import tenant_transaction
from schema.repositories import consent, credentials, integrations, site_allowlist, webhooks
from schema.repositories.definitions import DefinitionRegistry
from workflows import ids
from workflows.integrations.messages import (
    AUTO_RENEW,
    IntegrationConsent,
    IntegrationRef,
    RecordCheckInput,
    RegisterIntegrationInput,
    VettedIntegration,
)
from workflows.integrations.schedules import health_schedule, rotation_schedule
from workflows.operation.browser_messages import SitePin


class IntegrationActivities:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        vault: VaultStore,
        client: Client | None = None,
        resolver: Resolver = resolve,
    ) -> None:
        self._settings, self._engine, self._vault = settings, engine, vault
        self._client, self._resolver = client, resolver

    @activity.defn(name="vet_integration")
    def vet_integration(self, ref: IntegrationRef) -> VettedIntegration:
        try:
            origin = str(parse_origin(ref.site_url))
        except TargetRefused as e:
            raise refused(ref.tenant_id, e.code, e.detail) from None
        with tenant_transaction(self._engine, ref.tenant_id) as s:
            if (
                credentials.registered_site(s, ref.tenant_id, ref.service, ref.admin_credential, origin)
                is None
            ):
                raise refused(
                    ref.tenant_id, "unregistered", f"no {ref.admin_credential} credential for {origin}"
                )
            try:
                pin = site_allowlist.vet_target(
                    s, ref.tenant_id, origin, self._settings.service_ports, self._resolver
                )
            except TargetRefused as e:
                raise refused(ref.tenant_id, e.code, e.detail) from None
        o = pin.origin
        return VettedIntegration(
            pins=[SitePin(scheme=o.scheme, host=o.host, port=o.port, address=pin.address)]
        )

    @activity.defn(name="integration_consent")
    def integration_consent(self, ref: IntegrationRef) -> IntegrationConsent:
        now = datetime.now(UTC)
        with tenant_transaction(self._engine, ref.tenant_id) as s:
            make = consent.find_active_consent(s, ref.tenant_id, ref.service, ref.generate_operation, now)
            revoke = consent.find_active_consent(s, ref.tenant_id, ref.service, ref.revoke_operation, now)
        if make is None or AUTO_RENEW not in (make.permissions or []):
            return IntegrationConsent(
                auto_renew=False,
                detail=f"no active consent with {AUTO_RENEW} for {ref.service}/{ref.generate_operation}",
            )
        if revoke is None:
            return IntegrationConsent(
                auto_renew=False, detail=f"no active consent for {ref.service}/{ref.revoke_operation}"
            )
        return IntegrationConsent(auto_renew=True, detail="auto-renew consented")

    @activity.defn(name="record_check")
    def record_check(self, inp: RecordCheckInput) -> None:
        ref, now = inp.ref, datetime.now(UTC)
        with permanent_db_errors(), tenant_transaction(self._engine, ref.tenant_id) as s:
            integrations.audit(
                s,
                ref.tenant_id,
                ref.service,
                ref.credential_type,
                inp.run,
                f"check:{inp.status}",
                inp.passed,
                inp.detail,
            )
            row = integrations.get_status(s, ref.tenant_id, ref.service, ref.credential_type, lock=True)
            if row is None:
                return
            fields = integrations.now_fields(now, inp.passed)
            if row.rotation_run is None:  # a rotation in flight owns the status
                fields |= {"status": inp.status, "detail": inp.detail[:500]}
            integrations.set_fields(s, row, **fields)

    @activity.defn(name="register_integration")
    async def register_integration(self, inp: RegisterIntegrationInput) -> str:
        """Upsert the status row (left alone while a rotation holds it) and the schedules; returns
        the integration id."""
        admin = DefinitionRegistry(self._settings.definitions_dir).load(
            inp.ref.service, inp.ref.generate_operation
        )
        inp = inp.model_copy(
            update={"ref": inp.ref.model_copy(update={"admin_credential": admin.credential})}
        )
        ref = inp.ref
        rotation_days = await asyncio.to_thread(self._register_row, inp)
        if self._client is not None:
            cfg = self._settings.integrations
            await schedules.upsert(
                self._client,
                ids.health_schedule_id(ref.tenant_id, ref.integration_id),
                health_schedule(ref, cfg, inp.tuning),
            )
            await schedules.upsert(
                self._client,
                ids.rotation_schedule_id(ref.tenant_id, ref.integration_id),
                rotation_schedule(ref, cfg, inp.tuning, rotation_days),
            )
        return ref.integration_id

    def _register_row(self, inp: RegisterIntegrationInput) -> int:
        ref = inp.ref
        version = self._vault.read_versioned(
            credential_path(ref.tenant_id, ref.service, ref.credential_type)
        )[1]
        with permanent_db_errors(), tenant_transaction(self._engine, ref.tenant_id) as s:
            row = integrations.get_status(s, ref.tenant_id, ref.service, ref.credential_type, lock=True)
            values = {
                "tenant_id": ref.tenant_id,
                "service": ref.service,
                "credential_type": ref.credential_type,
                "admin_credential": ref.admin_credential,
                "site_url": ref.site_url,
            }
            if row is None or row.rotation_run is None:
                values |= {
                    "status": "healthy",
                    "detail": "stored and tested",
                    "credential_name": inp.credential_name,
                }
                values |= {"current_version": version or None, "last_ok_at": datetime.now(UTC)}
            integrations.upsert_status(s, values)
            tenant_settings = webhooks.get_settings_row(s, ref.tenant_id)
        days = tenant_settings.rotation_days if tenant_settings else None
        return days or self._settings.integrations.rotation_days
