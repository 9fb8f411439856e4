"""The cycle's run record (seed 004 ``agent_autonomous_runs``), its one-running-cycle-per-tenant
lock, the switches it reads at start, the hourly reflection and the tenant pages of the fan-out.

The lock is the partial unique index ``uq_run_running_tenant`` on ``agent_autonomous_runs
(tenant_id) WHERE status = 'running'`` (migration 0005): a second running row for a tenant
cannot exist, whoever inserts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema import metrics
from schema.agent import AgentRun, HourlyReflection
from schema.platform import SystemConfig
from schema.tables import Tenant, stable_id

RUNNING = "running"


@dataclass(frozen=True)
class TenantSwitch:
    """The tenant's ``agent_enabled`` and cap overrides, and the database kill switch
    (``system_config`` key ``agent``: ``global_enabled``, ``reason``)."""

    tenant_enabled: bool
    overrides: dict[str, Any]
    db_enabled: bool
    db_reason: str | None


_SWITCH_FACTS = select(
    col(Tenant.agent_enabled),
    col(Tenant.agent_settings),
    select(col(SystemConfig.value)).where(col(SystemConfig.key) == "agent").scalar_subquery(),
).where(col(Tenant.id) == bindparam("tenant_id"))
"""Built once: the tenant's switch and overrides with the global ``agent`` config, one round trip."""


def switch_of(
    enabled: bool | None, overrides: dict[str, Any] | None, agent: dict[str, Any] | None
) -> TenantSwitch:
    """The facts from the tenant's ``agent_enabled`` and ``agent_settings`` and the ``agent``
    config's value (None: not there)."""
    value = agent or {}
    return TenantSwitch(
        tenant_enabled=bool(enabled),
        overrides=overrides or {},
        db_enabled=value.get("global_enabled") is not False,
        db_reason=value.get("reason"),
    )


def switch_facts(s: Session, tenant_id: str) -> TenantSwitch:
    """The tenant's switch facts in one statement (a tenant that is not there is disabled)."""
    row = s.execute(_SWITCH_FACTS, {"tenant_id": tenant_id}).first()
    if row is None:
        cfg = s.get(SystemConfig, "agent")
        return switch_of(False, None, cfg.value if cfg is not None else None)
    return switch_of(*row)


def get_run(s: Session, run_id: str) -> AgentRun | None:
    return s.get(AgentRun, run_id)


def running_holder(s: Session, tenant_id: str) -> AgentRun | None:
    """The tenant's running run, if any (at most one: the partial unique index)."""
    return s.execute(
        select(AgentRun).where(col(AgentRun.tenant_id) == tenant_id, col(AgentRun.status) == RUNNING)
    ).scalar()


def _new_run(
    run_id: str, tenant_id: str, hour: str, trigger: str, n: int | Any, now: datetime, **state: str
) -> Any:
    """An ``INSERT ... ON CONFLICT DO NOTHING`` of run number ``n`` with its ``state`` columns."""
    return (
        insert(AgentRun.__table__)  # type: ignore[attr-defined]
        .values(
            id=run_id,
            tenant_id=tenant_id,
            hour=hour,
            cycle_number=n,
            trigger=trigger,
            started_at=now,
            **state,
        )
        .on_conflict_do_nothing()
    )


def claim_run(s: Session, run_id: str, tenant_id: str, hour: str, trigger: str, now: datetime) -> int | None:
    """Insert the run as ``running`` unless another run of the tenant is running. Returns its
    cycle number (runs so far + 1, counted in the same statement), or None when the lock is held
    (nothing inserted)."""
    runs = AgentRun.__table__.c  # type: ignore[attr-defined]
    n = select(func.count() + 1).select_from(AgentRun).where(col(AgentRun.tenant_id) == tenant_id)
    stmt = _new_run(run_id, tenant_id, hour, trigger, n.scalar_subquery(), now, status=RUNNING, phase="plan")
    inserted = s.execute(stmt.returning(runs.cycle_number)).first()
    return int(inserted[0]) if inserted is not None else None


def record_skipped(
    s: Session, run_id: str, tenant_id: str, hour: str, trigger: str, now: datetime, reason: str
) -> int:
    """Record a run that did not start (the lock was held) as ``skipped`` with its reason."""
    n = metrics.count_rows(s, AgentRun, tenant_id) + 1
    s.execute(
        _new_run(run_id, tenant_id, hour, trigger, n, now, status="skipped", phase="done", error=reason)
    )
    return n


def abandon(s: Session, run_id: str, now: datetime, reason: str) -> None:
    """Mark a stale running run ``failed`` (its workflow is gone), releasing the lock."""
    s.execute(
        update(AgentRun)
        .where(col(AgentRun.id) == run_id, col(AgentRun.status) == RUNNING)
        .values(status="failed", phase="done", error=reason, completed_at=now)
    )


def finish_run(s: Session, run_id: str, **values: Any) -> None:
    """The run's final columns (status, phase, counts, error, metrics, completed_at, duration_ms)."""
    s.execute(update(AgentRun).where(col(AgentRun.id) == run_id).values(**values))


def upsert_reflection(
    s: Session, run_id: str, tenant_id: str, hour: str, now: datetime, values: dict[str, Any]
) -> None:
    """The run's ``agent_hourly_reflections`` row (what_changed, metrics_moved, blocked, hints)."""
    s.execute(
        insert(HourlyReflection.__table__)  # type: ignore[attr-defined]
        .values(id=stable_id(run_id), run_id=run_id, tenant_id=tenant_id, hour=hour, created_at=now, **values)
        .on_conflict_do_update(index_elements=["run_id"], set_=values)
    )


def enabled_tenants(s: Session, after: str, limit: int, prefix: str = "") -> list[str]:
    """Enabled tenant ids starting with ``prefix``, after ``after`` in id order, at most ``limit``."""
    return list(
        s.execute(
            select(Tenant.id)
            .where(col(Tenant.agent_enabled), col(Tenant.id) > after, col(Tenant.id).startswith(prefix))
            .order_by(Tenant.id)
            .limit(limit)
        ).scalars()
    )
