"""Temporal ``Worker`` options from :class:`core.worker_settings.WorkerSettings` (issue 17).

One place turns the sizing settings into keyword arguments, so the agent worker and the bench's
bare baseline (bench/cycles.py) run with the same slots, pollers and sticky cache.
"""

from __future__ import annotations

from typing import Any

from temporalio.worker import PollerBehaviorSimpleMaximum

from core.worker_settings import WorkerSettings


def workflow_worker_options(w: WorkerSettings) -> dict[str, Any]:
    """Options of a worker that runs workflows and activities on the agent queue: workflow task
    and (local) activity slots, poller counts and the sticky cache."""
    return {
        "max_concurrent_workflow_tasks": w.agent_workflow_tasks,
        "max_concurrent_activities": w.agent_activities,
        "max_concurrent_local_activities": w.agent_local_activities,
        "workflow_task_poller_behavior": PollerBehaviorSimpleMaximum(maximum=w.workflow_task_pollers),
        "activity_task_poller_behavior": PollerBehaviorSimpleMaximum(maximum=w.activity_task_pollers),
        "max_cached_workflows": w.sticky_cache,
    }


def messaging_worker_options(w: WorkerSettings) -> dict[str, Any]:
    """Options of the messaging worker (``send_email`` only): its slots and pollers."""
    return {
        "max_concurrent_activities": w.messaging_activities,
        "activity_task_poller_behavior": PollerBehaviorSimpleMaximum(maximum=w.activity_task_pollers),
    }
