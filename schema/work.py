"""Comments on work items (issue 12, Build 4): the tasks, cases and order exceptions the agent
hands to people. One table for the three kinds (``item_kind``: task, case, order_exception)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from schema.tables import _ts, new_id


class WorkItemComment(SQLModel, table=True):
    __tablename__ = "work_item_comments"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    item_kind: str = Field(max_length=20)
    item_id: str = Field(index=True, max_length=64)
    author: str = Field(max_length=200)
    body: str
    created_at: datetime = _ts(nullable=False, default=True)
