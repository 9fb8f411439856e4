"""Platform tables: no tenant owns their rows, so they have no row-level security (migration 0008
lists them with why). The application role reads and writes them in any scope; a tenant route
filters what it shows (``schema/metrics.recent_alerts``: the tenant's scope and ``global``).
``operator_audit`` is a platform table too (schema/tables.py, beside the tenant's own tables).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from schema.tables import _ts, new_id


class SystemConfig(SQLModel, table=True):
    """Global settings by key; ``global_enabled`` is the database kill switch (seed 004 P0.7.3)."""

    __tablename__ = "system_config"
    key: str = Field(primary_key=True, max_length=100)
    value: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    updated_by: str | None = Field(default=None, max_length=200)
    updated_at: datetime = _ts(nullable=False, default=True)


class AgentAlert(SQLModel, table=True):
    """An alert (seed 004 "Alerts to Configure", P0.7.3); unique per kind, scope and hour."""

    __tablename__ = "agent_alerts"
    __table_args__ = (UniqueConstraint("kind", "scope", "window", name="uq_alert_kind_scope_window"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    kind: str = Field(max_length=50)
    scope: str = Field(max_length=63)
    """A tenant id, or ``global``."""
    window: str = Field(max_length=10)
    severity: str = Field(max_length=10)
    message: str
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    created_at: datetime = _ts(nullable=False, default=True)
    resolved_at: datetime | None = _ts()
    acknowledged_at: datetime | None = _ts()
    acknowledged_by: str | None = Field(default=None, max_length=200)
    resolved_by: str | None = Field(default=None, max_length=200)
    state: str = Field(default="open", max_length=12)
    """``open`` → ``acknowledged`` → ``resolved`` (by a person, or when the condition clears)."""
    notified_at: datetime | None = _ts()
    """When it was handed to delivery (schema/repositories/alerts.py, workflows/alerts.py)."""
