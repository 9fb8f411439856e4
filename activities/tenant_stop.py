"""``stop_erased_tenant`` (issue 16 Build 3, before ``erase_audit_data``): a whole tenant's
erasure first stops the tenant, so nothing of it runs once its keys are shredded.

1. the tenant's kill switch (``tenants.agent_enabled``, seed 004 P0.6) is switched off, so a
   cycle that still starts halts at ``claim_cycle``;
2. every Temporal Schedule of the tenant is deleted: the hourly cycle, compliance, mailbox
   syncs, integration health checks and rotations, by exact id from the tenant's rows, plus any
   other listed schedule whose id reads as the tenant's (``workflows.ids.tenant_of_schedule_id``);
3. the tenant's running workflows (follow-ups, operations, syncs...) are terminated: their
   payloads would no longer decrypt anyway.

A subject erasure stops nothing. Idempotent: a retry finds the switch off and the schedules gone.
Agent queue, async (Temporal calls; the database part runs in a thread).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities.operations import permanent_db_errors
from core import schedules
from schema.db import tenant_transaction
from schema.repositories import audit_lifecycle
from schema.repositories import tenants as tenants_repo
from schema.repositories.tenant_schedules import scheduled_rows
from workflows import ids
from workflows.audit_lifecycle import ErasureInput, TenantStopped

RUNNING = 'ExecutionStatus="Running"'


class TenantStopActivities:
    def __init__(self, engine: Engine, client: Client) -> None:
        self._engine, self._client = engine, client

    def _switch_off(self, inp: ErasureInput) -> list[str] | None:
        """Switch the tenant's agent off; the schedule ids its rows own. None for a subject
        erasure. Non-retryable ApplicationError when the erasure row is unknown."""
        t = inp.tenant_id
        with permanent_db_errors(), tenant_transaction(self._engine, t) as s:
            row = audit_lifecycle.get_erasure(s, inp.erasure_id)
            if row is None:
                raise ApplicationError("erasure not found", type="ErasureNotFound", non_retryable=True)
            if row.subject_email is not None or row.subject_hash is not None:
                return None
            tenants_repo.set_agent_enabled(s, t, False)
            r = scheduled_rows(s, t)
            s.commit()
        return [
            ids.cycle_schedule_id(t),
            *(ids.compliance_schedule_id(t, i) for i in r.compliance),
            *(ids.mailsync_schedule_id(t, i) for i in r.mailboxes),
            *(ids.health_schedule_id(t, i) for i in r.integrations),
            *(ids.rotation_schedule_id(t, i) for i in r.integrations),
        ]

    async def _listed_schedules(self, t: str) -> set[str]:
        return {
            d.id async for d in await self._client.list_schedules() if ids.tenant_of_schedule_id(d.id) == t
        }

    async def _terminate_running(self, t: str) -> int:
        n = 0
        async for w in self._client.list_workflows(RUNNING):
            try:
                mine = ids.tenant_of_workflow_id(w.id) == t
            except ids.UnknownWorkflowId:
                mine = False
            if mine:  # NOT_FOUND (it ended meanwhile) counts 0
                handle = self._client.get_workflow_handle(w.id, run_id=w.run_id)
                n += await schedules.exists(handle.terminate(reason="tenant erased"))
        return n

    @activity.defn(name="stop_erased_tenant")
    async def stop_erased_tenant(self, inp: ErasureInput) -> TenantStopped:
        """Kill switch on, schedules deleted, running workflows terminated (whole tenant only)."""
        t = inp.tenant_id
        known = await asyncio.to_thread(self._switch_off, inp)
        if known is None:
            return TenantStopped(agent_disabled=False, schedules_deleted=0, workflows_terminated=0)
        deleted = 0
        for sid in sorted({*known, *await self._listed_schedules(t)}):
            deleted += await schedules.delete(self._client, sid)
            activity.heartbeat(sid)
        terminated = await self._terminate_running(t)
        activity.logger.info(
            "tenant stopped", extra={"tenant": t, "schedules": deleted, "terminated": terminated}
        )
        return TenantStopped(agent_disabled=True, schedules_deleted=deleted, workflows_terminated=terminated)
