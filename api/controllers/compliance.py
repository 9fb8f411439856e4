"""Compliance schedule and check routes (seed 004 P1.7 "Quarterly Compliance Engine").

- ``/api/compliance/schedules``: ``compliance_schedule`` rows, each with its Temporal Schedule
  (``compliance-schedule-{tenant}-{id}``, calendar spec by frequency; see
  :mod:`api.services.compliance_schedule`). ``POST …/{id}/run`` triggers a run now.
- ``/api/compliance/checks``: ``compliance_checks`` rows; ``complete`` and ``waive`` signal the
  check's ``ComplianceCheck`` workflow, which records the outcome.
- ``/api/compliance/stats``: the tenant's counts by status, overdue, escalated, completion rate.

Everything is scoped to the token's tenant (another tenant's id is a 404). Writes need the
``owner`` or ``admin`` role, reads any tenant role (:mod:`api.authz.matrix`; platform operators
act on no tenant's compliance data). The rules live in
:class:`api.services.compliance.ComplianceService`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from api.auth import Principal
from api.schemas.compliance import (
    CheckRow,
    CheckView,
    ComplianceStats,
    RunView,
    ScheduleCreate,
    ScheduleListItem,
    ScheduleUpdate,
    ScheduleView,
    SignalView,
    WaiveRequest,
)
from api.services.compliance import ComplianceService

Req = Request[Principal, Any, Any]
Svc = NamedDependency[ComplianceService]


class ComplianceController(Controller):
    path = "/api/compliance"
    tags = ["compliance"]

    @post("/schedules", operation_id="createComplianceSchedule", status_code=HTTP_201_CREATED)
    async def create_schedule(
        self, request: Req, data: JSONBody[ScheduleCreate], compliance: Svc
    ) -> ScheduleView:
        """Create a schedule and its Temporal Schedule. Body: name, frequency (monthly, quarterly,
        semi_annual, annual), target_type (clients, contacts), required_fields, optional
        notify_days_before (14), escalate_after_days (7), due_in_days (30). Returns the row and
        ``schedule`` (id, paused, calendar months/day/hour/minute UTC, next action times)."""
        return await compliance.create(request.user, data)

    @get("/schedules", operation_id="listComplianceSchedules")
    async def list_schedules(self, request: Req, compliance: Svc) -> list[ScheduleListItem]:
        """The tenant's schedules (rows, each with its ``temporal_schedule_id``)."""
        return await compliance.list_schedules(request.user)

    @get("/schedules/{schedule_id:str}", operation_id="getComplianceSchedule")
    async def get_schedule(self, request: Req, schedule_id: FromPath[str], compliance: Svc) -> ScheduleView:
        """One schedule with its Temporal Schedule's description; 404 if not this tenant's."""
        return await compliance.get(request.user, schedule_id)

    @patch("/schedules/{schedule_id:str}", operation_id="updateComplianceSchedule")
    async def update_schedule(
        self, request: Req, schedule_id: FromPath[str], data: JSONBody[ScheduleUpdate], compliance: Svc
    ) -> ScheduleView:
        """Change any field; the Temporal Schedule is updated (frequency) or paused (active false)."""
        return await compliance.update(request.user, schedule_id, data)

    @delete(
        "/schedules/{schedule_id:str}",
        operation_id="deleteComplianceSchedule",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_schedule(self, request: Req, schedule_id: FromPath[str], compliance: Svc) -> None:
        """Delete the Temporal Schedule and the row (generated checks stay)."""
        await compliance.delete(request.user, schedule_id)

    @post(
        "/schedules/{schedule_id:str}/run",
        operation_id="runComplianceSchedule",
        status_code=HTTP_202_ACCEPTED,
    )
    async def run_schedule(self, request: Req, schedule_id: FromPath[str], compliance: Svc) -> RunView:
        """Trigger a run now (the schedule handle's ``trigger``); 409 if the schedule is inactive."""
        return await compliance.run_now(request.user, schedule_id)

    @get("/checks", operation_id="listComplianceChecks")
    async def list_checks(
        self,
        request: Req,
        compliance: Svc,
        status: FromQuery[str | None] = None,
        schedule_id: FromQuery[str | None] = None,
        limit: FromQuery[int] = 100,
    ) -> list[CheckRow]:
        """The tenant's checks, soonest due first; ``status`` one of pending, notified, overdue,
        escalated, completed, waived; ``limit`` clamped to 1..1000."""
        return await compliance.checks(request.user, status, schedule_id, max(1, min(limit, 1000)))

    @get("/checks/{check_id:str}", operation_id="getComplianceCheck")
    async def get_check(self, request: Req, check_id: FromPath[str], compliance: Svc) -> CheckView:
        """One check, with its workflow's ``status`` query (``workflow``) while it is open."""
        return await compliance.check(request.user, check_id)

    @post(
        "/checks/{check_id:str}/complete",
        operation_id="completeComplianceCheck",
        status_code=HTTP_202_ACCEPTED,
    )
    async def complete_check(self, request: Req, check_id: FromPath[str], compliance: Svc) -> SignalView:
        """Signal ``complete`` (by the caller); 404 if not this tenant's, 409 if it has ended."""
        return await compliance.signal_check(request.user, check_id, "complete", request.user.user_id)

    @post("/checks/{check_id:str}/waive", operation_id="waiveComplianceCheck", status_code=HTTP_202_ACCEPTED)
    async def waive_check(
        self, request: Req, check_id: FromPath[str], data: JSONBody[WaiveRequest], compliance: Svc
    ) -> SignalView:
        """Signal ``waive`` with the body's ``reason`` (required, non-blank: 400 otherwise); 404 if
        not this tenant's, 409 if it has ended."""
        return await compliance.signal_check(request.user, check_id, "waive", data.reason)

    @get("/stats", operation_id="complianceStats")
    async def stats(self, request: Req, compliance: Svc) -> ComplianceStats:
        """Counts by status, open, overdue (open and past due), escalated, and the completion rate
        (% completed of the checks not waived; null when there are none)."""
        return await compliance.stats(request.user)
