"""Work queues (issue 12, Build 4): the tasks, cases and order exceptions the agent hands to
people, listed, claimed, released, resolved and commented on, with who and why.

One mechanism over three tables (:data:`KINDS`): an item is ``resolved`` when its resolution time
is set, else ``claimed`` when someone holds it, else ``open``. Resolving the last open exception
of an order sends the order back to review (``processing_status = "new"``); the review passes
codes resolved as ``overridden`` and re-opens a ``fixed`` one whose issue is still there
(:mod:`schema.repositories.orders`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col

from schema.agent import AgentTask
from schema.business import Order
from schema.followups import Case
from schema.order_review import OrderException
from schema.repositories.paging import Page, keyset_page
from schema.work import WorkItemComment


@dataclass(frozen=True)
class Kind:
    table: type[SQLModel]
    resolved_col: str
    """The column that says it is resolved (tasks, exceptions: ``resolved_at``; cases: ``closed_at``)."""
    done_status: str | None
    """The ``status`` a resolution writes (tasks ``done``, cases ``closed``; exceptions have none)."""


KINDS: dict[str, Kind] = {
    "tasks": Kind(AgentTask, "resolved_at", "done"),
    "cases": Kind(Case, "closed_at", "closed"),
    "order-exceptions": Kind(OrderException, "resolved_at", None),
}


class WorkError(Exception):
    """``status`` 404 (no such item of this tenant) or 409 (a state conflict); ``message`` safe to show."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def state(kind: Kind, row: Any) -> str:
    if getattr(row, kind.resolved_col) is not None:
        return "resolved"
    return "claimed" if row.claimed_by else "open"


def list_items(
    s: Session,
    kind: Kind,
    tenant_id: str,
    *,
    status: str | None,
    claimed_by: str | None,
    order_id: str | None,
    cursor: str | None,
    limit: int,
) -> Page[Any]:
    t = kind.table
    q = select(t).where(col(t.tenant_id) == tenant_id)  # type: ignore[attr-defined]
    resolved = col(getattr(t, kind.resolved_col))
    if status == "resolved":
        q = q.where(resolved.is_not(None))
    elif status == "claimed":
        q = q.where(resolved.is_(None), col(t.claimed_by).is_not(None))  # type: ignore[attr-defined]
    elif status == "open":
        q = q.where(resolved.is_(None), col(t.claimed_by).is_(None))  # type: ignore[attr-defined]
    if claimed_by:
        q = q.where(col(t.claimed_by) == claimed_by)  # type: ignore[attr-defined]
    if order_id:
        if not s.execute(
            select(Order.id).where(col(Order.tenant_id) == tenant_id, col(Order.id) == order_id)
        ).scalar():
            raise WorkError(404, f"no order {order_id!r}")
        if t is AgentTask:  # a task about an order names it as its target
            q = q.where(col(AgentTask.target_type) == "order", col(AgentTask.target_id) == order_id)
        else:
            q = q.where(col(t.order_id) == order_id)  # type: ignore[attr-defined]
    return keyset_page(
        s,
        q,
        col(t.created_at),
        col(t.id),
        sort="-created_at",
        descending=True,
        cursor=cursor,
        limit=limit,  # type: ignore[attr-defined]
    )


def get_item(s: Session, kind: Kind, tenant_id: str, item_id: str, *, lock: bool = False) -> Any:
    t = kind.table
    q = select(t).where(col(t.tenant_id) == tenant_id, col(t.id) == item_id)  # type: ignore[attr-defined]
    row = s.execute(q.with_for_update() if lock else q).scalar()
    if row is None:
        raise WorkError(404, f"no such item {item_id!r}")
    return row


def claim(s: Session, kind: Kind, tenant_id: str, item_id: str, user: str) -> Any:
    row = get_item(s, kind, tenant_id, item_id, lock=True)
    if state(kind, row) == "resolved":
        raise WorkError(409, "already resolved")
    if row.claimed_by and row.claimed_by != user:
        raise WorkError(409, f"claimed by {row.claimed_by}")
    row.claimed_by, row.claimed_at = user, datetime.now(UTC)
    if kind.table is AgentTask:
        row.status = "claimed"
    s.flush()
    return row


def release(s: Session, kind: Kind, tenant_id: str, item_id: str, user: str, *, force: bool) -> Any:
    row = get_item(s, kind, tenant_id, item_id, lock=True)
    if state(kind, row) != "claimed":
        raise WorkError(409, f"not claimed (it is {state(kind, row)})")
    if row.claimed_by != user and not force:
        raise WorkError(409, f"claimed by {row.claimed_by}")
    row.claimed_by = row.claimed_at = None
    if kind.table is AgentTask:
        row.status = "open"
    s.flush()
    return row


def resolve(
    s: Session, kind: Kind, tenant_id: str, item_id: str, user: str, resolution: str, outcome: str | None
) -> Any:
    row = get_item(s, kind, tenant_id, item_id, lock=True)
    if state(kind, row) == "resolved":
        raise WorkError(409, "already resolved")
    if row.claimed_by and row.claimed_by != user:
        raise WorkError(409, f"claimed by {row.claimed_by}")
    now = datetime.now(UTC)
    setattr(row, kind.resolved_col, now)
    row.resolved_by, row.resolution = user, resolution
    if kind.done_status:
        row.status = kind.done_status
    if kind.table is OrderException:
        row.outcome = outcome
        s.flush()
        _requeue_if_clear(s, tenant_id, row.order_id)
    s.flush()
    return row


def _requeue_if_clear(s: Session, tenant_id: str, order_id: str) -> None:
    open_left = s.execute(
        select(func.count()).where(
            col(OrderException.tenant_id) == tenant_id,
            col(OrderException.order_id) == order_id,
            col(OrderException.resolved_at).is_(None),
        )
    ).scalar_one()
    if open_left == 0:
        s.execute(
            update(Order)
            .where(
                col(Order.tenant_id) == tenant_id,
                col(Order.id) == order_id,
                col(Order.processing_status) == "exception",
            )
            .values(processing_status="new", updated_at=datetime.now(UTC))
        )


def add_comment(
    s: Session, kind_name: str, tenant_id: str, item_id: str, author: str, body: str
) -> WorkItemComment:
    get_item(s, KINDS[kind_name], tenant_id, item_id)
    c = WorkItemComment(tenant_id=tenant_id, item_kind=kind_name, item_id=item_id, author=author, body=body)
    s.add(c)
    s.flush()
    return c


def comments(s: Session, kind_name: str, tenant_id: str, item_id: str) -> list[WorkItemComment]:
    get_item(s, KINDS[kind_name], tenant_id, item_id)
    return list(
        s.execute(
            select(WorkItemComment)
            .where(
                col(WorkItemComment.tenant_id) == tenant_id,
                col(WorkItemComment.item_kind) == kind_name,
                col(WorkItemComment.item_id) == item_id,
            )
            .order_by(WorkItemComment.created_at, WorkItemComment.id)
        ).scalars()
    )
