"""What bench.cycles reads back from the server after a run: schedule-to-start latencies over a
sample of cycle histories, and one cycle's event timeline (where a cycle's time goes)."""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def schedule_to_start(client: Client, prefix: str, tenants: int, sample: int) -> None:
    """p50/p99 of workflow-task and activity-task schedule-to-start (ms) over ``sample`` cycle
    histories spread evenly over the run's tenants (the hour is found by listing)."""
    ids = [wf.id async for wf in client.list_workflows(f"WorkflowId STARTS_WITH 'cycle-{prefix}-'")]
    ids.sort()
    step = max(1, len(ids) // max(1, sample))
    wft: list[float] = []
    act: list[float] = []
    by_type: dict[str, list[float]] = {}
    for wid in ids[::step][:sample]:
        history = await client.get_workflow_handle(wid).fetch_history()
        by_id = {e.event_id: e for e in history.events}
        for e in history.events:
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
                s = by_id[e.workflow_task_started_event_attributes.scheduled_event_id]
                out = wft
            elif e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                s = by_id[e.activity_task_started_event_attributes.scheduled_event_id]
                out = act
                kind = s.activity_task_scheduled_event_attributes.activity_type.name
            else:
                continue
            ms = (e.event_time.ToDatetime() - s.event_time.ToDatetime()).total_seconds() * 1000
            out.append(ms)
            if out is act:
                by_type.setdefault(kind, []).append(ms)
    n = len(ids[::step][:sample])
    print(
        f"schedule-to-start over {n} of {tenants} cycles: workflow tasks p50 {_pct(wft, 50):.0f} ms, "
        f"p99 {_pct(wft, 99):.0f} ms ({len(wft)}); activity tasks p50 {_pct(act, 50):.0f} ms, "
        f"p99 {_pct(act, 99):.0f} ms ({len(act)})"
    )
    for kind, values in sorted(by_type.items()):
        print(
            f"  activity {kind}: p50 {_pct(values, 50):.0f} ms, p99 {_pct(values, 99):.0f} ms ({len(values)})"
        )


async def print_timeline(client: Client, workflow_id: str) -> None:
    """Each event of one cycle with its offset from the start (ms); local activities show as
    markers recorded when the workflow task that ran them completed."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    t0 = history.events[0].event_time.ToDatetime()
    print(f"\ntimeline of {workflow_id} ({len(history.events)} events):")
    for e in history.events:
        ms = (e.event_time.ToDatetime() - t0).total_seconds() * 1000
        name = EventType.Name(e.event_type).removeprefix("EVENT_TYPE_").lower()
        extra = ""
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            extra = e.marker_recorded_event_attributes.marker_name
        elif e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            extra = e.activity_task_scheduled_event_attributes.activity_type.name
        print(f"  {ms:8.1f} ms  {name} {extra}")
