"""Admin reads and writes of the hourly cycle: the stored kill switch (``system_config``),
runs (``agent_autonomous_runs``) and their hourly reflections.

Session-style: functions take a SQLAlchemy ``Session`` (a SQLModel one works too) and
never commit (the caller owns the transaction).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col, select

from schema.agent import AgentRun, HourlyReflection
from schema.platform import SystemConfig

AGENT_KEY = "agent"
"""``system_config`` key of the global kill switch: ``{"global_enabled": bool, "reason": str|None}``."""


def get_agent_config(s: Session) -> SystemConfig | None:
    """The stored kill switch row, or None when it was never set."""
    return s.get(SystemConfig, AGENT_KEY)


def set_agent_config(s: Session, enabled: bool, reason: str | None, by: str, at: datetime) -> None:
    """Store the global kill switch (insert or overwrite)."""
    value = {"global_enabled": enabled, "reason": reason}
    stmt = insert(SystemConfig.__table__).values(  # type: ignore[attr-defined]
        key=AGENT_KEY, value=value, updated_by=by, updated_at=at
    )
    s.execute(
        stmt.on_conflict_do_update(
            index_elements=["key"], set_={"value": value, "updated_by": by, "updated_at": at}
        )
    )


def list_runs(s: Session, tenant_id: str | None, status: str | None, limit: int) -> list[AgentRun]:
    """Newest runs first, at most ``limit``; every tenant's when ``tenant_id`` is None."""
    stmt = select(AgentRun).order_by(col(AgentRun.started_at).desc()).limit(limit)
    if tenant_id is not None:
        stmt = stmt.where(AgentRun.tenant_id == tenant_id)
    if status:
        stmt = stmt.where(AgentRun.status == status)
    return list(s.scalars(stmt))


def get_run(s: Session, run_id: str) -> tuple[AgentRun | None, HourlyReflection | None]:
    """The run and its hourly reflection (either may be None)."""
    run = s.get(AgentRun, run_id)
    refl = s.scalars(select(HourlyReflection).where(HourlyReflection.run_id == run_id)).first()
    return run, refl
