"""Worker sizing (issue 17, hourly cycles at scale): ``OMNIOPS_WORKERS__*``.

Slots are per worker process and per task queue; :mod:`workers.sizing` turns them into the
Temporal ``Worker`` options. The defaults fit one agent and one messaging process on a small
host; a deployment with more cores raises them, or runs more processes per queue.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class WorkerSettings(BaseModel):
    agent_threads: int = Field(default=16, ge=1)
    """Threads of the agent worker's activity pool: its sync activities and every local
    activity (the cycle's DB steps) run there, so it bounds the DB steps in flight. Measured on
    2 cores (bench/cycles.py): 32 threads were slower than 16 (more Postgres and GIL contention)."""
    agent_workflow_tasks: int = Field(default=100, ge=2)
    """Workflow tasks one agent process runs at once (``max_concurrent_workflow_tasks``)."""
    agent_activities: int = Field(default=100, ge=1)
    """Regular activity tasks at once on the agent queue (``max_concurrent_activities``)."""
    agent_local_activities: int = Field(default=100, ge=1)
    """Local activities at once (the cycle's DB steps; ``max_concurrent_local_activities``)."""
    workflow_task_pollers: int = Field(default=5, ge=2)
    """Concurrent long polls for workflow tasks (``max_concurrent_workflow_task_polls``); the
    sticky queue takes a share of them (at least 2: one sticky, one normal)."""
    activity_task_pollers: int = Field(default=5, ge=1)
    """Concurrent long polls for activity tasks per queue (``max_concurrent_activity_task_polls``)."""
    sticky_cache: int = Field(default=1000, ge=0)
    """Workflows kept in the sticky cache (``max_cached_workflows``): a cached workflow's next
    task needs no history replay; bound it above the workflows in flight (the fan-out's window)."""
    messaging_activities: int = Field(default=16, ge=1)
    """``send_email`` at once per messaging process (was 8): SMTP is I/O-bound, each slot mostly
    waits on the server, and a kept-alive session makes a send a few round trips."""
    messaging_threads: int = Field(default=16, ge=1)
    """Threads of the messaging worker's pool (one per slot; each keeps its own SMTP session)."""
    smtp_session_idle_s: float = Field(default=30.0, gt=0)
    """A messaging thread's SMTP session is reused while idle less than this (seconds)."""
    smtp_session_max_messages: int = Field(default=100, ge=1)
    """Messages per kept SMTP session before a new one (1: a session per message)."""
