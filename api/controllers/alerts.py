"""Alerts (issue 12, Build 4): ``GET /api/alerts``, ``POST /api/alerts/{id}/acknowledge``,
``POST /api/alerts/{id}/resolve``. Scope rules: :mod:`api.services.alerts`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from pydantic import BaseModel

from api.auth import Principal
from api.services.alerts import AlertService

Req = Request[Principal, Any, Any]


class AlertView(BaseModel):
    id: str
    kind: str
    scope: str
    """The tenant id, or ``global``."""
    window: str
    severity: str
    message: str
    data: dict[str, Any] | None = None
    created_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None


class AlertPage(BaseModel):
    items: list[AlertView]
    next_cursor: str | None = None


class AlertController(Controller):
    path = "/api/alerts"
    tags = ["work queues"]

    @get("/", operation_id="listAlerts")
    async def list_(
        self,
        request: Req,
        alerts: NamedDependency[AlertService],
        tenant_id: FromQuery[str | None] = None,
        resolved: FromQuery[bool] = False,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    ) -> AlertPage:
        """Unresolved alerts (``resolved=true``: all), newest first: the tenant's and the global ones."""
        return AlertPage(**await alerts.list(request.user, tenant_id, resolved, cursor, limit))

    @post("/{alert_id:str}/acknowledge", operation_id="acknowledgeAlert", status_code=200)
    async def acknowledge(
        self, request: Req, alert_id: FromPath[str], alerts: NamedDependency[AlertService]
    ) -> AlertView:
        """Someone is on it (who and when are recorded)."""
        return AlertView(**await alerts.acknowledge(request.user, alert_id))

    @post("/{alert_id:str}/resolve", operation_id="resolveAlert", status_code=200)
    async def resolve(
        self, request: Req, alert_id: FromPath[str], alerts: NamedDependency[AlertService]
    ) -> AlertView:
        """Resolved (who and when); 409 if it already is."""
        return AlertView(**await alerts.resolve(request.user, alert_id))
