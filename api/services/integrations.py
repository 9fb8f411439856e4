"""Integration status and settings (issue 15 Builds 4, 5): the tenant's stored integration
credentials with their health (``GET /api/autonomous/integrations``), the per-tenant rotation
period and notification address, and run-now for a health check or a rotation (their
Temporal Schedules, overlap SKIP).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import Engine
from temporalio.client import Client, ScheduleIntervalSpec, ScheduleUpdate, ScheduleUpdateInput

from api.auth import Principal
from api.errors import NotFoundException
from api.schemas.integrations import IntegrationSettingsBody, IntegrationSettingsView, IntegrationView
from core import schedules
from core.settings import Settings
from schema.db import tenant_transaction
from schema.integrations import IntegrationStatus
from schema.repositories import integrations, webhooks
from workflows import ids


def integration_view(r: IntegrationStatus) -> IntegrationView:
    return IntegrationView(
        service=r.service,
        credential_type=r.credential_type,
        site_url=r.site_url,
        status=r.status,
        detail=r.detail,
        current_version=r.current_version,
        pending_revoke=r.pending_revoke,
        rotating=r.rotation_run is not None,
        last_checked_at=r.last_checked_at,
        last_ok_at=r.last_ok_at,
        last_rotated_at=r.last_rotated_at,
    )


class IntegrationService:
    def __init__(self, client: Client, engine: Engine, settings: Settings) -> None:
        self.client, self.engine, self.settings = client, engine, settings

    def _rows(self, tenant_id: str) -> list[IntegrationStatus]:
        with tenant_transaction(self.engine, tenant_id) as s:
            return integrations.list_status(s, tenant_id)

    async def list_integrations(self, p: Principal) -> list[IntegrationView]:
        return [integration_view(r) for r in await asyncio.to_thread(self._rows, p.tenant_id)]

    async def _row(self, p: Principal, service: str, credential_type: str) -> IntegrationStatus:
        def get() -> IntegrationStatus | None:
            with tenant_transaction(self.engine, p.tenant_id) as s:
                return integrations.get_status(s, p.tenant_id, service, credential_type)

        row = await asyncio.to_thread(get)
        if row is None:
            raise NotFoundException(f"no integration {service}/{credential_type}")
        return row

    async def check_now(self, p: Principal, service: str, credential_type: str) -> IntegrationView:
        """Run the health check now (ignored while one runs)."""
        row = await self._row(p, service, credential_type)
        if not await schedules.trigger(self.client, ids.health_schedule_id(p.tenant_id, row.id)):
            raise NotFoundException(f"no health-check schedule for {service}/{credential_type}")
        return integration_view(row)

    async def rotate_now(self, p: Principal, service: str, credential_type: str) -> IntegrationView:
        """Run the rotation now (ignored while one runs)."""
        row = await self._row(p, service, credential_type)
        if not await schedules.trigger(self.client, ids.rotation_schedule_id(p.tenant_id, row.id)):
            raise NotFoundException(f"no rotation schedule for {service}/{credential_type}")
        return integration_view(row)

    async def put_settings(self, p: Principal, body: IntegrationSettingsBody) -> IntegrationSettingsView:
        """Store the settings and move every rotation schedule of the tenant to the new period."""

        def write() -> list[IntegrationStatus]:
            with tenant_transaction(self.engine, p.tenant_id) as s:
                webhooks.put_settings(s, p.tenant_id, body.rotation_days, body.notify_email)
                return integrations.list_status(s, p.tenant_id)

        rows = await asyncio.to_thread(write)
        days = body.rotation_days or self.settings.integrations.rotation_days
        every = timedelta(seconds=days * self.settings.integrations.rotation_day_s)

        async def period(inp: ScheduleUpdateInput) -> ScheduleUpdate:
            sched = inp.description.schedule
            sched.spec.intervals = [ScheduleIntervalSpec(every=every)]
            return ScheduleUpdate(schedule=sched)

        updated = 0
        for r in rows:
            handle = self.client.get_schedule_handle(ids.rotation_schedule_id(p.tenant_id, r.id))
            if await schedules.exists(handle.update(period)):
                updated += 1
        return IntegrationSettingsView(
            rotation_days=days, notify_email=body.notify_email, schedules_updated=updated
        )
