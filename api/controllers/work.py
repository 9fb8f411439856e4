"""Work queues (issue 12, Build 4): ``/api/work/{kind}`` for kind = tasks, cases,
order-exceptions (list, get, claim, release, resolve, comments), and the agent's policy
violations and deferred actions with their reasons."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from pydantic import BaseModel

from api.auth import Principal
from api.services.work import CommentIn, KindName, Resolution, WorkService

Req = Request[Principal, Any, Any]
Limit = Annotated[int, QueryParameter(ge=1, le=500)]


class WorkItemView(BaseModel):
    id: str
    kind: str
    state: str
    """open, claimed or resolved."""
    summary: str
    order_id: str | None = None
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    outcome: str | None = None
    created_at: datetime
    fields: dict[str, Any]
    """The item's own columns."""


class WorkItemPage(BaseModel):
    items: list[WorkItemView]
    next_cursor: str | None = None


class CommentView(BaseModel):
    id: str
    item_kind: str
    item_id: str
    author: str
    body: str
    created_at: datetime


class LogPage(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = None


class WorkController(Controller):
    path = "/api/work"
    tags = ["work queues"]

    @get("/{kind:str}", operation_id="listWorkItems")
    async def list_(
        self,
        request: Req,
        kind: FromPath[KindName],
        work: NamedDependency[WorkService],
        status: FromQuery[str | None] = None,
        claimed_by: FromQuery[str | None] = None,
        order_id: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 50,
    ) -> WorkItemPage:
        """The tenant's items of ``kind``, newest first; ``status`` open | claimed | resolved."""
        return WorkItemPage(
            **await work.list(request.user, kind, status, claimed_by, order_id, cursor, limit)
        )

    @get("/{kind:str}/{item_id:str}", operation_id="getWorkItem")
    async def get_(
        self,
        request: Req,
        kind: FromPath[KindName],
        item_id: FromPath[str],
        work: NamedDependency[WorkService],
    ) -> WorkItemView:
        """One item; 404 for another tenant's."""
        return WorkItemView(**await work.get(request.user, kind, item_id))

    @post("/{kind:str}/{item_id:str}/claim", operation_id="claimWorkItem", status_code=200)
    async def claim(
        self,
        request: Req,
        kind: FromPath[KindName],
        item_id: FromPath[str],
        work: NamedDependency[WorkService],
    ) -> WorkItemView:
        """Take the item; 409 if someone else holds it or it is resolved."""
        return WorkItemView(**await work.claim(request.user, kind, item_id))

    @post("/{kind:str}/{item_id:str}/release", operation_id="releaseWorkItem", status_code=200)
    async def release(
        self,
        request: Req,
        kind: FromPath[KindName],
        item_id: FromPath[str],
        work: NamedDependency[WorkService],
    ) -> WorkItemView:
        """Give the item back (an admin may release anyone's claim)."""
        return WorkItemView(**await work.release(request.user, kind, item_id))

    @post("/{kind:str}/{item_id:str}/resolve", operation_id="resolveWorkItem", status_code=200)
    async def resolve(
        self,
        request: Req,
        kind: FromPath[KindName],
        item_id: FromPath[str],
        data: JSONBody[Resolution],
        work: NamedDependency[WorkService],
    ) -> WorkItemView:
        """Resolve with the reason (and, for an order exception, fixed or overridden); 409 if it
        already is. The last open exception of an order sends it back to the order processor."""
        return WorkItemView(**await work.resolve(request.user, kind, item_id, data))

    @post("/{kind:str}/{item_id:str}/comments", operation_id="addWorkItemComment")
    async def comment(
        self,
        request: Req,
        kind: FromPath[KindName],
        item_id: FromPath[str],
        data: JSONBody[CommentIn],
        work: NamedDependency[WorkService],
    ) -> CommentView:
        """Add a comment to the item's history."""
        return CommentView(**await work.comment(request.user, kind, item_id, data))

    @get("/{kind:str}/{item_id:str}/comments", operation_id="listWorkItemComments")
    async def comments(
        self,
        request: Req,
        kind: FromPath[KindName],
        item_id: FromPath[str],
        work: NamedDependency[WorkService],
    ) -> list[CommentView]:
        """The item's comments, oldest first."""
        return [CommentView(**c) for c in await work.comments(request.user, kind, item_id)]


class AgentLogController(Controller):
    path = "/api/agent"
    tags = ["work queues"]

    @get("/policy-violations", operation_id="listPolicyViolations")
    async def violations(
        self,
        request: Req,
        work: NamedDependency[WorkService],
        cursor: FromQuery[str | None] = None,
        limit: Limit = 50,
    ) -> LogPage:
        """Actions the policy blocked or deferred, with the rule and the reason, newest first."""
        return LogPage(**await work.agent_log(request.user, "violations", cursor, limit))

    @get("/deferred-actions", operation_id="listDeferredActions")
    async def deferred(
        self,
        request: Req,
        work: NamedDependency[WorkService],
        cursor: FromQuery[str | None] = None,
        limit: Limit = 50,
    ) -> LogPage:
        """Actions waiting for a later hour (``not_before_hour``), with the action and its status."""
        return LogPage(**await work.agent_log(request.user, "deferred", cursor, limit))
