"""Work queues (issue 12, Build 4): tasks, cases and order exceptions for people to clear, and
the tenant's policy violations and deferred actions with their reasons. Who did what is the
caller's user id. Errors: 400 a bad filter or cursor, 404 no such item of this tenant, 409 a
state conflict (claimed by someone else, already resolved)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from api.auth import Principal
from api.errors import ConflictException, NotFoundException, ValidationException
from api.services.records import RecordService
from schema.agent import DeferredAction, PolicyViolation
from schema.order_review import OrderException
from schema.repositories import work as repo
from schema.repositories.paging import keyset_page

KindName = Literal["tasks", "cases", "order-exceptions"]
SUMMARY = {"tasks": "title", "cases": "summary", "order-exceptions": "message"}


class Resolution(BaseModel):
    resolution: str = Field(min_length=1, max_length=2000)
    """Why it is resolved (shown in the item's history)."""
    outcome: Literal["fixed", "overridden"] | None = None
    """Order exceptions only, required there: ``fixed`` (the order was corrected; the review checks
    it again) or ``overridden`` (accepted as it is; the review passes this issue for this order)."""


class CommentIn(BaseModel):
    body: str = Field(min_length=1, max_length=5000)


def item_view(kind_name: str, row: Any) -> dict[str, Any]:
    kind = repo.KINDS[kind_name]
    data = row.model_dump(mode="json")
    return {
        "id": row.id,
        "kind": kind_name,
        "state": repo.state(kind, row),
        "summary": getattr(row, SUMMARY[kind_name]) or "",
        "order_id": getattr(row, "order_id", None),
        "claimed_by": row.claimed_by,
        "claimed_at": row.claimed_at,
        "resolved_by": row.resolved_by,
        "resolved_at": getattr(row, kind.resolved_col),
        "resolution": row.resolution,
        "outcome": getattr(row, "outcome", None),
        "created_at": row.created_at,
        "fields": data,
    }


class WorkService(RecordService):
    async def _work(self, p: Principal, fn: Any) -> Any:
        def run(s: Session) -> Any:
            try:
                return fn(s)
            except repo.WorkError as e:
                raise (NotFoundException if e.status == 404 else ConflictException)(e.message) from None

        return await self._db(p.tenant_id, run)

    async def list(  # type: ignore[override]
        self,
        p: Principal,
        kind: str,
        status: str | None,
        claimed_by: str | None,
        order_id: str | None,
        cursor: str | None,
        limit: int,
    ) -> dict[str, Any]:
        if status not in (None, "open", "claimed", "resolved"):
            raise ValidationException("status: one of open, claimed, resolved")

        def work(s: Session) -> dict[str, Any]:
            page = repo.list_items(
                s,
                repo.KINDS[kind],
                p.tenant_id,
                status=status,
                claimed_by=claimed_by,
                order_id=order_id,
                cursor=cursor,
                limit=limit,
            )
            return {"items": [item_view(kind, r) for r in page.items], "next_cursor": page.next_cursor}

        return await self._work(p, work)

    async def get(self, p: Principal, kind: str, item_id: str) -> dict[str, Any]:  # type: ignore[override]
        return await self._work(
            p, lambda s: item_view(kind, repo.get_item(s, repo.KINDS[kind], p.tenant_id, item_id))
        )

    async def claim(self, p: Principal, kind: str, item_id: str) -> dict[str, Any]:
        return await self._work(
            p, lambda s: item_view(kind, repo.claim(s, repo.KINDS[kind], p.tenant_id, item_id, p.user_id))
        )

    async def release(self, p: Principal, kind: str, item_id: str) -> dict[str, Any]:
        force = bool(p.roles & {"admin", "owner"})
        return await self._work(
            p,
            lambda s: item_view(
                kind, repo.release(s, repo.KINDS[kind], p.tenant_id, item_id, p.user_id, force=force)
            ),
        )

    async def resolve(self, p: Principal, kind: str, item_id: str, body: Resolution) -> dict[str, Any]:
        if kind == "order-exceptions" and body.outcome is None:
            raise ValidationException("outcome: fixed or overridden, for an order exception")
        if kind != "order-exceptions" and body.outcome is not None:
            raise ValidationException("outcome: only for order exceptions")
        return await self._work(
            p,
            lambda s: item_view(
                kind,
                repo.resolve(
                    s, repo.KINDS[kind], p.tenant_id, item_id, p.user_id, body.resolution, body.outcome
                ),
            ),
        )

    async def comment(self, p: Principal, kind: str, item_id: str, body: CommentIn) -> dict[str, Any]:
        return await self._work(
            p, lambda s: repo.add_comment(s, kind, p.tenant_id, item_id, p.user_id, body.body).model_dump()
        )

    async def comments(self, p: Principal, kind: str, item_id: str) -> list[dict[str, Any]]:
        return await self._work(
            p, lambda s: [c.model_dump() for c in repo.comments(s, kind, p.tenant_id, item_id)]
        )

    async def agent_log(self, p: Principal, what: str, cursor: str | None, limit: int) -> dict[str, Any]:
        """Policy violations or deferred actions of the tenant, newest first, with their reasons."""
        table = PolicyViolation if what == "violations" else DeferredAction

        def work(s: Session) -> dict[str, Any]:
            q = select(table).where(col(table.tenant_id) == p.tenant_id)
            page = keyset_page(
                s,
                q,
                col(table.created_at),
                col(table.id),
                sort="-created_at",
                descending=True,
                cursor=cursor,
                limit=limit,
            )
            return {"items": [r.model_dump(mode="json") for r in page.items], "next_cursor": page.next_cursor}

        return await self._db(p.tenant_id, work)


__all__ = ["CommentIn", "KindName", "OrderException", "Resolution", "WorkService"]
