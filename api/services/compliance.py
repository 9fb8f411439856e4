"""Compliance service (seed 004 P1.7): ``compliance_schedule`` rows in Postgres, each with its
Temporal Schedule (:mod:`api.services.compliance_schedule`), and the checks' workflows.

Scoped to the caller's tenant (another tenant's id is a 404). Who may read and write is the
matrix's (:mod:`api.authz.matrix`: writes owner and admin, reads any tenant role). 400 for
unknown required fields or statuses, 409 to run an inactive schedule or signal an ended check.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Principal
from api.errors import ConflictException, NotFoundException, ValidationException
from api.schemas.compliance import (
    CheckRow,
    CheckView,
    ComplianceStats,
    RunView,
    ScheduleCreate,
    ScheduleListItem,
    ScheduleRow,
    ScheduleUpdate,
    ScheduleView,
    SignalView,
)
from api.services import compliance_schedule as schedules
from api.services.followups_common import FollowUpService
from core import queues
from schema.business import ComplianceCheck
from schema.followups import ComplianceSchedule
from schema.repositories import compliance as repo
from schema.repositories.tenants import ensure_tenant
from schema.repositories.tenants import get_owned as owned
from workflows.common import FollowUpState
from workflows.followups.compliance_rules import (
    CHECKABLE_FIELDS,
    ENDED,
    OPEN,
    STATUSES,
    invalid_fields,
)
from workflows.ids import compliance_check_workflow_id, compliance_schedule_id


def check_fields(target_type: str, required: list[str]) -> None:
    """400 unless every required field is checkable on the target type."""
    bad = invalid_fields(target_type, required)
    if bad:
        raise ValidationException(
            f"unknown required field(s) for {target_type}: {', '.join(bad)}; "
            f"use {', '.join(CHECKABLE_FIELDS[target_type])}"
        )


def _schedule(s: Session, tenant_id: str, sid: str) -> ComplianceSchedule:
    row = owned(s, ComplianceSchedule, tenant_id, sid)
    if row is None:
        raise NotFoundException(f"no compliance schedule {sid!r}")
    return row


def _check(s: Session, tenant_id: str, check_id: str) -> ComplianceCheck:
    row = owned(s, ComplianceCheck, tenant_id, check_id)
    if row is None:
        raise NotFoundException(f"no compliance check {check_id!r}")
    return row


class ComplianceService(FollowUpService):
    # --- schedules -----------------------------------------------------------------------------

    async def _view(self, row: ComplianceSchedule) -> ScheduleView:
        described = await schedules.describe_schedule(self.client, row.tenant_id, row.id)
        return ScheduleView(**ScheduleRow.model_validate(row).model_dump(), schedule=described)

    async def _sync(self, row: ComplianceSchedule, who: str) -> None:
        await schedules.ensure_schedule(
            self.client,
            row.tenant_id,
            row.id,
            row.frequency,
            paused=not row.active,
            note=f"{row.name} ({row.frequency}), set by {who}",
            messaging_queue=queues.MESSAGING,
        )

    async def create(self, p: Principal, data: ScheduleCreate) -> ScheduleView:
        """The row, then its Temporal Schedule; the row is removed again if that fails."""
        check_fields(data.target_type, data.required_fields)
        row = ComplianceSchedule(tenant_id=p.tenant_id, **data.model_dump())

        def write(s: Session) -> None:
            ensure_tenant(s, p.tenant_id)
            repo.add_schedule(s, row)

        await self.db(p.tenant_id, write)
        try:
            await self._sync(row, p.user_id)
        except BaseException:
            await self.db(p.tenant_id, lambda s: repo.delete_schedule(s, row.id))
            raise
        return await self._view(row)

    async def list_schedules(self, p: Principal) -> list[ScheduleListItem]:
        rows = await self.db(p.tenant_id, lambda s: repo.schedules(s, p.tenant_id))
        return [
            ScheduleListItem(
                **ScheduleRow.model_validate(r).model_dump(),
                temporal_schedule_id=compliance_schedule_id(r.tenant_id, r.id),
            )
            for r in rows
        ]

    async def get(self, p: Principal, sid: str) -> ScheduleView:
        return await self._view(await self.db(p.tenant_id, lambda s: _schedule(s, p.tenant_id, sid)))

    async def update(self, p: Principal, sid: str, data: ScheduleUpdate) -> ScheduleView:
        """Change the given fields, then replace (frequency) or pause (inactive) the schedule."""
        changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}

        def write(s: Session) -> ComplianceSchedule:
            row = _schedule(s, p.tenant_id, sid)
            merged = {**row.model_dump(), **changes}
            check_fields(merged["target_type"], merged["required_fields"])
            return repo.update_schedule(s, row, changes)

        row = await self.db(p.tenant_id, write)
        await self._sync(row, p.user_id)
        return await self._view(row)

    async def delete(self, p: Principal, sid: str) -> None:
        row = await self.db(p.tenant_id, lambda s: _schedule(s, p.tenant_id, sid))
        await schedules.delete_schedule(self.client, row.tenant_id, row.id)
        await self.db(p.tenant_id, lambda s: repo.delete_schedule(s, row.id))

    async def run_now(self, p: Principal, sid: str) -> RunView:
        """Trigger the Temporal Schedule (recreated first if it was lost); 409 if inactive."""
        row = await self.db(p.tenant_id, lambda s: _schedule(s, p.tenant_id, sid))
        if not row.active:
            raise ConflictException(f"compliance schedule {sid!r} is inactive")
        if not await schedules.trigger(self.client, row.tenant_id, row.id):
            await self._sync(row, p.user_id)  # the Temporal Schedule was lost: recreate it
            await schedules.trigger(self.client, row.tenant_id, row.id)
        return RunView(schedule_id=row.id, temporal_schedule_id=compliance_schedule_id(row.tenant_id, row.id))

    # --- checks --------------------------------------------------------------------------------

    async def checks(
        self, p: Principal, status: str | None, schedule_id: str | None, limit: int
    ) -> list[CheckRow]:
        if status is not None and status not in STATUSES:
            raise ValidationException(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")

        def read(s: Session) -> list[ComplianceCheck]:
            if schedule_id is not None:
                _schedule(s, p.tenant_id, schedule_id)  # 404 for another tenant's schedule
            return repo.checks(s, p.tenant_id, status, schedule_id, limit)

        rows = await self.db(p.tenant_id, read)
        return [CheckRow.model_validate(r) for r in rows]

    async def check(self, p: Principal, check_id: str) -> CheckView:
        """The row and, while it is open, its workflow's ``status`` query (None if unanswered)."""
        row = await self.db(p.tenant_id, lambda s: _check(s, p.tenant_id, check_id))
        workflow = None
        if row.status not in ENDED:
            try:
                workflow = await self.client.get_workflow_handle(self._wid(row)).query(
                    "status", result_type=FollowUpState
                )
            except RPCError:
                pass
        return CheckView(**CheckRow.model_validate(row).model_dump(), workflow=workflow)

    def _wid(self, row: ComplianceCheck) -> str:
        return row.workflow_id or compliance_check_workflow_id(row.tenant_id, row.id)

    async def signal_check(self, p: Principal, check_id: str, name: str, arg: str) -> SignalView:
        """``complete`` or ``waive``; 409 if the check ended or has no running workflow."""
        row = await self.db(p.tenant_id, lambda s: _check(s, p.tenant_id, check_id))
        if row.status in ENDED:
            raise ConflictException(f"compliance check {check_id!r} has ended ({row.status})")
        wid = self._wid(row)
        try:
            await self.client.get_workflow_handle(wid).signal(name, arg)
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                raise ConflictException(f"compliance check {check_id!r} has no running workflow") from None
            raise
        return SignalView(check_id=row.id, workflow_id=wid, signal=name)

    async def stats(self, p: Principal) -> ComplianceStats:
        now = datetime.now(UTC)
        c = await self.db(p.tenant_id, lambda s: repo.check_counts(s, p.tenant_id, now, OPEN))
        counts = {k: c.by_status.get(k, 0) for k in STATUSES}
        total = sum(c.by_status.values())
        decided = total - counts["waived"]
        return ComplianceStats(
            tenant_id=p.tenant_id,
            total=total,
            by_status=counts,
            open=sum(counts[k] for k in OPEN),
            overdue=c.overdue,
            escalated=counts["escalated"],
            completion_rate_pct=round(100 * counts["completed"] / decided, 1) if decided else None,
            at=now.isoformat(),
        )
