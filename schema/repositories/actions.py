"""A run's actions (``agent_run_actions``: verdict and outcome per idempotency key), deferred
actions done, and the rows the non-email runners create (human tasks, queued jobs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col

from schema.agent import AgentRunAction, AgentTask, DeferredAction, ResearchJob
from schema.tables import stable_id
from workflows.cycle.actions import ProposedAction


def recorded(s: Session, run_id: str, key: str) -> AgentRunAction | None:
    """The action's row in this run, if the guard already judged it (a retry returns it)."""
    return s.execute(
        select(AgentRunAction).where(
            col(AgentRunAction.run_id) == run_id, col(AgentRunAction.action_key) == key
        )
    ).scalar()


def record(
    s: Session,
    run_id: str,
    tenant_id: str,
    a: ProposedAction,
    verdict: str | None,
    outcome: str | None,
    detail: dict[str, Any] | None,
) -> None:
    """Insert or update the action's row; only the given (non-None) columns change."""
    values: dict[str, Any] = {}
    if verdict is not None:
        values["verdict"] = verdict
    if outcome is not None:
        values["outcome"] = outcome
    if detail is not None:
        values["detail"] = detail
    stmt = insert(AgentRunAction.__table__).values(  # type: ignore[attr-defined]
        id=stable_id(run_id, a.key),
        run_id=run_id,
        tenant_id=tenant_id,
        action_key=a.key,
        kind=a.kind.value,
        target_type=a.target_type,
        target_id=a.target_id,
        origin=a.origin,
        verdict=verdict or "allow",
        outcome=outcome,
        detail=detail,
        created_at=datetime.now(UTC),
    )
    s.execute(stmt.on_conflict_do_update(constraint="uq_run_action", set_=values))


def deferred_done(s: Session, tenant_id: str, a: ProposedAction) -> None:
    """A deferred action that ran is done (it is not proposed again)."""
    if a.origin == "deferred":
        s.execute(
            update(DeferredAction)
            .where(col(DeferredAction.tenant_id) == tenant_id, col(DeferredAction.action_key) == a.key)
            .values(status="done")
        )


def create_task(s: Session, tenant_id: str, a: ProposedAction) -> None:
    """An open ``agent_tasks`` row, once per action key; a client request's target is its message."""
    s.execute(
        insert(AgentTask.__table__)  # type: ignore[attr-defined]
        .values(
            id=stable_id(tenant_id, a.key),
            tenant_id=tenant_id,
            action_key=a.key,
            title=a.title or a.subject or "Task",
            reason=(a.task_reason or "client_request"),
            target_type=a.target_type if not a.source_message_id else "message",
            target_id=a.source_message_id or a.target_id,
            status="open",
            created_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing()
    )


def queue_job(s: Session, tenant_id: str, a: ProposedAction) -> None:
    """A ``queued`` ``agent_research_jobs`` row of the action's kind (research, contact_discovery,
    sandbox_job), once per action key."""
    s.execute(
        insert(ResearchJob.__table__)  # type: ignore[attr-defined]
        .values(
            id=stable_id(tenant_id, a.key),
            tenant_id=tenant_id,
            action_key=a.key,
            kind=a.kind.value,
            target_type=a.target_type,
            target_id=a.target_id,
            status="queued",
            created_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing()
    )
