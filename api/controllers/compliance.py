"""Compliance schedule and check routes (seed 004 P1.7 "Quarterly Compliance Engine").

- ``/api/compliance/schedules``: ``compliance_schedule`` rows, each with its Temporal Schedule
  (``compliance-schedule-{tenant}-{id}``, calendar spec by frequency; see
  :mod:`api.services.compliance_schedule`). ``POST …/{id}/run`` triggers a run now.
- ``/api/compliance/checks``: ``compliance_checks`` rows; ``complete`` and ``waive`` signal the
  check's ``ComplianceCheck`` workflow, which records the outcome.
- ``/api/compliance/stats``: the tenant's counts by status, overdue, escalated, completion rate.

Everything is scoped to the token's tenant (another tenant's id is a 404). Writes need one of
the roles ``owner``, ``admin`` or the operator role; reads any authenticated user of the tenant.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from sqlmodel import col
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Principal, require_role
from api.errors import ConflictException
from api.services import compliance_schedule as schedules
from core import queues
from core.settings import Settings
from schema.business import ComplianceCheck
from schema.followups import ComplianceSchedule
from schema.repositories import operations as repo
from workflows.common import FollowUpState
from workflows.followups.compliance_rules import (
    CHECKABLE_FIELDS,
    ENDED,
    OPEN,
    STATUSES,
    Frequency,
    TargetType,
    check_workflow_id,
    invalid_fields,
)

WRITE_ROLES = ("owner", "admin")


class ScheduleCreate(BaseModel):
    """A new compliance schedule (seed 004 P1.7 ``compliance_schedule``)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    frequency: Frequency
    target_type: TargetType
    required_fields: list[str] = Field(min_length=1, max_length=20)
    """Attributes of the target rows: contacts name, email, title, client_id; clients name, credit_limit."""
    notify_days_before: int = Field(default=14, ge=0, le=365)
    escalate_after_days: int = Field(default=7, ge=0, le=365)
    due_in_days: int = Field(default=30, ge=1, le=366)


class ScheduleUpdate(BaseModel):
    """Any subset of the fields; ``active: false`` pauses the Temporal Schedule."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    frequency: Frequency | None = None
    target_type: TargetType | None = None
    required_fields: list[str] | None = Field(default=None, min_length=1, max_length=20)
    notify_days_before: int | None = Field(default=None, ge=0, le=365)
    escalate_after_days: int | None = Field(default=None, ge=0, le=365)
    due_in_days: int | None = Field(default=None, ge=1, le=366)
    active: bool | None = None


class WaiveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a waiver needs a reason")
        return v.strip()


def _check_fields(target_type: str, required: list[str]) -> None:
    bad = invalid_fields(target_type, required)
    if bad:
        raise ValidationException(
            f"unknown required field(s) for {target_type}: {', '.join(bad)}; "
            f"use {', '.join(CHECKABLE_FIELDS[target_type])}"
        )


class ComplianceService:
    """Rows in Postgres, schedules and signals in Temporal; the app's agent service holds both."""

    def __init__(self, client: Client, engine: Engine, settings: Settings) -> None:
        self.client, self.engine, self.settings = client, engine, settings

    @classmethod
    def of(cls, request: Request[Any, Any, Any]) -> ComplianceService:
        agent = request.app.state.agent
        return cls(agent.client, agent.engine, agent.settings)

    def require_write(self, p: Principal) -> None:
        require_role(p, (*WRITE_ROLES, self.settings.auth.operator_role), "compliance changes")

    # --- schedules -----------------------------------------------------------------------------

    def _schedule_row(self, tenant_id: str, sid: str) -> ComplianceSchedule:
        row = repo.get_owned(self.engine, ComplianceSchedule, tenant_id, sid)
        if row is None:
            raise NotFoundException(f"no compliance schedule {sid!r}")
        return row

    async def _with_schedule(self, row: ComplianceSchedule) -> dict[str, Any]:
        out = row.model_dump(mode="json")
        out["schedule"] = await schedules.describe_schedule(self.client, row.tenant_id, row.id)
        return out

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

    async def create(self, p: Principal, data: ScheduleCreate) -> dict[str, Any]:
        self.require_write(p)
        _check_fields(data.target_type, data.required_fields)
        row = ComplianceSchedule(tenant_id=p.tenant_id, **data.model_dump())

        def write() -> None:
            repo.ensure_tenant(self.engine, p.tenant_id)
            with Session(self.engine, expire_on_commit=False) as s:
                s.add(row)
                s.commit()

        await asyncio.to_thread(write)
        try:
            await self._sync(row, p.user_id)
        except BaseException:
            await asyncio.to_thread(self._delete_row, row.id)
            raise
        return await self._with_schedule(row)

    def _delete_row(self, sid: str) -> None:
        with Session(self.engine) as s:
            row = s.get(ComplianceSchedule, sid)
            if row is not None:
                s.delete(row)
                s.commit()

    async def list_schedules(self, p: Principal) -> list[dict[str, Any]]:
        def read() -> list[dict[str, Any]]:
            with Session(self.engine) as s:
                stmt = (
                    select(ComplianceSchedule)
                    .where(col(ComplianceSchedule.tenant_id) == p.tenant_id)
                    .order_by(col(ComplianceSchedule.created_at), col(ComplianceSchedule.id))
                )
                return [
                    {
                        **r.model_dump(mode="json"),
                        "temporal_schedule_id": schedules.schedule_id(r.tenant_id, r.id),
                    }
                    for r in s.execute(stmt).scalars()
                ]

        return await asyncio.to_thread(read)

    async def get(self, p: Principal, sid: str) -> dict[str, Any]:
        return await self._with_schedule(await asyncio.to_thread(self._schedule_row, p.tenant_id, sid))

    async def update(self, p: Principal, sid: str, data: ScheduleUpdate) -> dict[str, Any]:
        self.require_write(p)
        changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}

        def write() -> ComplianceSchedule:
            with Session(self.engine, expire_on_commit=False) as s:
                row = s.get(ComplianceSchedule, sid)
                if row is None or row.tenant_id != p.tenant_id:
                    raise NotFoundException(f"no compliance schedule {sid!r}")
                merged = {**row.model_dump(), **changes}
                _check_fields(merged["target_type"], merged["required_fields"])
                for k, v in changes.items():
                    setattr(row, k, v)
                s.add(row)
                s.commit()
                return row

        row = await asyncio.to_thread(write)
        await self._sync(row, p.user_id)
        return await self._with_schedule(row)

    async def delete(self, p: Principal, sid: str) -> None:
        self.require_write(p)
        row = await asyncio.to_thread(self._schedule_row, p.tenant_id, sid)
        await schedules.delete_schedule(self.client, row.tenant_id, row.id)
        await asyncio.to_thread(self._delete_row, row.id)

    async def run_now(self, p: Principal, sid: str) -> dict[str, Any]:
        self.require_write(p)
        row = await asyncio.to_thread(self._schedule_row, p.tenant_id, sid)
        if not row.active:
            raise ConflictException(f"compliance schedule {sid!r} is inactive")
        if not await schedules.trigger(self.client, row.tenant_id, row.id):
            await self._sync(row, p.user_id)  # the Temporal Schedule was lost: recreate it
            await schedules.trigger(self.client, row.tenant_id, row.id)
        return {"schedule_id": row.id, "temporal_schedule_id": schedules.schedule_id(row.tenant_id, row.id)}

    # --- checks --------------------------------------------------------------------------------

    def _check_row(self, tenant_id: str, check_id: str) -> ComplianceCheck:
        row = repo.get_owned(self.engine, ComplianceCheck, tenant_id, check_id)
        if row is None:
            raise NotFoundException(f"no compliance check {check_id!r}")
        return row

    async def checks(
        self, p: Principal, status: str | None, schedule_id: str | None, limit: int
    ) -> list[dict[str, Any]]:
        if status is not None and status not in STATUSES:
            raise ValidationException(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")

        def read() -> list[dict[str, Any]]:
            stmt = select(ComplianceCheck).where(col(ComplianceCheck.tenant_id) == p.tenant_id)
            if status:
                stmt = stmt.where(col(ComplianceCheck.status) == status)
            if schedule_id:
                stmt = stmt.where(col(ComplianceCheck.schedule_id) == schedule_id)
            stmt = stmt.order_by(col(ComplianceCheck.due_at), col(ComplianceCheck.id)).limit(limit)
            with Session(self.engine) as s:
                return [r.model_dump(mode="json") for r in s.execute(stmt).scalars()]

        return await asyncio.to_thread(read)

    async def check(self, p: Principal, check_id: str) -> dict[str, Any]:
        row = await asyncio.to_thread(self._check_row, p.tenant_id, check_id)
        out = row.model_dump(mode="json")
        out["workflow"] = None
        if row.status not in ENDED:
            try:
                state = await self.client.get_workflow_handle(self._wid(row)).query(
                    "status", result_type=FollowUpState
                )
                out["workflow"] = state.model_dump(mode="json")
            except RPCError:
                pass
        return out

    def _wid(self, row: ComplianceCheck) -> str:
        return row.workflow_id or check_workflow_id(row.tenant_id, row.id)

    async def signal(self, p: Principal, check_id: str, name: str, arg: str) -> dict[str, Any]:
        self.require_write(p)
        row = await asyncio.to_thread(self._check_row, p.tenant_id, check_id)
        if row.status in ENDED:
            raise ConflictException(f"compliance check {check_id!r} has ended ({row.status})")
        wid = self._wid(row)
        try:
            await self.client.get_workflow_handle(wid).signal(name, arg)
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                raise ConflictException(f"compliance check {check_id!r} has no running workflow") from None
            raise
        return {"check_id": row.id, "workflow_id": wid, "signal": name}

    async def stats(self, p: Principal) -> dict[str, Any]:
        now = datetime.now(UTC)

        def read() -> dict[str, Any]:
            t = col(ComplianceCheck.tenant_id) == p.tenant_id
            with Session(self.engine) as s:
                by = dict(
                    s.execute(
                        select(ComplianceCheck.status, func.count())  # type: ignore[call-overload]
                        .where(t)
                        .group_by(ComplianceCheck.status)
                    ).all()
                )
                overdue = s.execute(
                    select(func.count()).where(  # type: ignore[call-overload]
                        t, col(ComplianceCheck.status).in_(OPEN), col(ComplianceCheck.due_at) < now
                    )
                ).one()[0]
            counts = {k: int(by.get(k, 0)) for k in STATUSES}
            total = sum(int(v) for v in by.values())
            decided = total - counts["waived"]
            return {
                "tenant_id": p.tenant_id,
                "total": total,
                "by_status": counts,
                "open": sum(counts[k] for k in OPEN),
                "overdue": int(overdue),
                "escalated": counts["escalated"],
                "completion_rate_pct": round(100 * counts["completed"] / decided, 1) if decided else None,
                "at": now.isoformat(),
            }

        return await asyncio.to_thread(read)


class ComplianceController(Controller):
    path = "/api/compliance"
    tags = ["compliance"]

    @post("/schedules", operation_id="createComplianceSchedule", status_code=HTTP_201_CREATED)
    async def create_schedule(
        self, request: Request[Principal, Any, Any], data: JSONBody[ScheduleCreate]
    ) -> dict[str, Any]:
        """Create a schedule and its Temporal Schedule. Body: name, frequency (monthly, quarterly,
        semi_annual, annual), target_type (clients, contacts), required_fields, optional
        notify_days_before (14), escalate_after_days (7), due_in_days (30). Returns the row and
        ``schedule`` (id, paused, calendar months/day/hour/minute UTC, next action times)."""
        return await ComplianceService.of(request).create(request.user, data)

    @get("/schedules", operation_id="listComplianceSchedules")
    async def list_schedules(self, request: Request[Principal, Any, Any]) -> list[dict[str, Any]]:
        """The tenant's schedules (rows, each with its ``temporal_schedule_id``)."""
        return await ComplianceService.of(request).list_schedules(request.user)

    @get("/schedules/{schedule_id:str}", operation_id="getComplianceSchedule")
    async def get_schedule(
        self, request: Request[Principal, Any, Any], schedule_id: FromPath[str]
    ) -> dict[str, Any]:
        """One schedule with its Temporal Schedule's description; 404 if not this tenant's."""
        return await ComplianceService.of(request).get(request.user, schedule_id)

    @patch("/schedules/{schedule_id:str}", operation_id="updateComplianceSchedule")
    async def update_schedule(
        self,
        request: Request[Principal, Any, Any],
        schedule_id: FromPath[str],
        data: JSONBody[ScheduleUpdate],
    ) -> dict[str, Any]:
        """Change any field; the Temporal Schedule is updated (frequency) or paused (active false)."""
        return await ComplianceService.of(request).update(request.user, schedule_id, data)

    @delete(
        "/schedules/{schedule_id:str}",
        operation_id="deleteComplianceSchedule",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_schedule(
        self, request: Request[Principal, Any, Any], schedule_id: FromPath[str]
    ) -> None:
        """Delete the Temporal Schedule and the row (generated checks stay)."""
        await ComplianceService.of(request).delete(request.user, schedule_id)

    @post(
        "/schedules/{schedule_id:str}/run",
        operation_id="runComplianceSchedule",
        status_code=HTTP_202_ACCEPTED,
    )
    async def run_schedule(
        self, request: Request[Principal, Any, Any], schedule_id: FromPath[str]
    ) -> dict[str, Any]:
        """Trigger a run now (the schedule handle's ``trigger``); 409 if the schedule is inactive."""
        return await ComplianceService.of(request).run_now(request.user, schedule_id)

    @get("/checks", operation_id="listComplianceChecks")
    async def list_checks(
        self,
        request: Request[Principal, Any, Any],
        status: FromQuery[str | None] = None,
        schedule_id: FromQuery[str | None] = None,
        limit: FromQuery[int] = 100,
    ) -> list[dict[str, Any]]:
        """The tenant's checks, soonest due first; ``status`` one of pending, notified, overdue,
        escalated, completed, waived."""
        return await ComplianceService.of(request).checks(
            request.user, status, schedule_id, max(1, min(limit, 1000))
        )

    @get("/checks/{check_id:str}", operation_id="getComplianceCheck")
    async def get_check(
        self, request: Request[Principal, Any, Any], check_id: FromPath[str]
    ) -> dict[str, Any]:
        """One check, with its workflow's ``status`` query (``workflow``) while it is open."""
        return await ComplianceService.of(request).check(request.user, check_id)

    @post(
        "/checks/{check_id:str}/complete",
        operation_id="completeComplianceCheck",
        status_code=HTTP_202_ACCEPTED,
    )
    async def complete_check(
        self, request: Request[Principal, Any, Any], check_id: FromPath[str]
    ) -> dict[str, Any]:
        """Signal ``complete`` (by the caller); 404 if not this tenant's, 409 if it has ended."""
        u = request.user
        return await ComplianceService.of(request).signal(u, check_id, "complete", u.user_id)

    @post("/checks/{check_id:str}/waive", operation_id="waiveComplianceCheck", status_code=HTTP_202_ACCEPTED)
    async def waive_check(
        self, request: Request[Principal, Any, Any], check_id: FromPath[str], data: JSONBody[WaiveRequest]
    ) -> dict[str, Any]:
        """Signal ``waive`` with the body's ``reason`` (required, non-blank: 400 otherwise); 404 if
        not this tenant's, 409 if it has ended."""
        return await ComplianceService.of(request).signal(request.user, check_id, "waive", data.reason)

    @get("/stats", operation_id="complianceStats")
    async def stats(self, request: Request[Principal, Any, Any]) -> dict[str, Any]:
        """Counts by status, open, overdue (open and past due), escalated, and the completion rate
        (% completed of the checks not waived; null when there are none)."""
        return await ComplianceService.of(request).stats(request.user)
