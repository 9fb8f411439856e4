"""Multi-step plan routes (issue 15, Build 6): preview, start, status, consent, resume, cancel."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from api.auth import Principal
from api.controllers.autonomous import client_ip
from api.schemas.plans import PlanConsentRequest, PlanPreview, PlanView, StartPlanRequest
from api.services.plans import PlanService

Req = Request[Principal, Any, Any]
Plans = NamedDependency[PlanService]


class PlanController(Controller):
    path = "/api/autonomous/plans"
    tags = ["plans"]

    @get("/preview/{plan:str}", operation_id="previewPlan")
    async def preview(self, plan: FromPath[str], plans: Plans) -> PlanPreview:
        """The plan's operations and the union of their permissions: what one consent covers."""
        return plans.preview(plan)

    @post("/", operation_id="startPlan", status_code=HTTP_202_ACCEPTED)
    async def start(self, request: Req, data: JSONBody[StartPlanRequest], plans: Plans) -> PlanView:
        """Start a plan: 400 for an unknown or invalid plan or missing inputs (naming the field),
        403 for ``consent: true`` from a role that may not grant, 422 for a target that is not
        the tenant's registered, vetted site; else 202 (``awaiting_consent`` without consent)."""
        return await plans.start(request.user, data, client_ip(request), request.headers.get("user-agent"))

    @get("/{plan_id:str}", operation_id="getPlan")
    async def status(self, request: Req, plan_id: FromPath[str], plans: Plans) -> PlanView:
        """The plan's status, the permissions its consent covers, and each step's status and
        operation id (404 for another tenant's)."""
        return await plans.status(request.user, plan_id)

    @post("/{plan_id:str}/consent", operation_id="changePlanConsent", status_code=HTTP_202_ACCEPTED)
    async def consent(
        self,
        request: Req,
        plan_id: FromPath[str],
        data: JSONBody[PlanConsentRequest],
        plans: Plans,
    ) -> PlanView:
        """Grant the plan's one consent (recorded, then signalled) or revoke it."""
        ip, ua = client_ip(request), request.headers.get("user-agent")
        return await plans.change_consent(request.user, plan_id, data, ip, ua)

    @post("/{plan_id:str}/resume", operation_id="resumePlan", status_code=HTTP_202_ACCEPTED)
    async def resume(self, request: Req, plan_id: FromPath[str], plans: Plans) -> PlanView:
        """Retry the failed step and go on; completed steps are not repeated (409 unless failed)."""
        return await plans.resume(request.user, plan_id)

    @post("/{plan_id:str}/cancel", operation_id="cancelPlan", status_code=HTTP_202_ACCEPTED)
    async def cancel(self, request: Req, plan_id: FromPath[str], plans: Plans) -> PlanView:
        """Cancel the plan and its running operation (409 if it has ended)."""
        return await plans.cancel(request.user, plan_id)
