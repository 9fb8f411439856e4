"""A cycle's search attributes at its start (issue 17 Build 6, hourly cycles at scale).

Every start of a ``TenantCycle`` (the fan-out's children, the schedule's ``ScheduledCycle``, the
manual run-now) passes :func:`at_start`: TenantId, Kind ``cycle`` and Status ``running`` are then
in the start event and in the visibility record Temporal writes at the start. The cycle upserts
them itself only when its start event lacks them (:func:`tagged_at_start`: a run started before
this change, or by hand): one ``UpsertWorkflowSearchAttributes`` command, its history event and
its visibility write fewer per cycle.

Deterministic without a ``workflow.patched`` marker: the branch reads only the start event, which
a replay sees as it was, so a history recorded before this change (no attributes at start)
replays its upsert, and one recorded after it replays without. (A patch would itself add a
marker and a ``TemporalChangeVersion`` upsert to every run: the cost this removes.)
"""

from __future__ import annotations

from temporalio.common import SearchAttributePair, TypedSearchAttributes

from core import search_attributes as sa

KIND = "cycle"
RUNNING = "running"


def at_start(tenant_id: str) -> TypedSearchAttributes:
    """TenantId ``tenant_id``, Kind ``cycle``, Status ``running``: the cycle's tags at its start."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.TENANT_ID, tenant_id),
            SearchAttributePair(sa.KIND, KIND),
            SearchAttributePair(sa.STATUS, RUNNING),
        ]
    )


def tagged_at_start(attrs: TypedSearchAttributes, tenant_id: str) -> bool:
    """True when ``attrs`` (the start event's, ``workflow.info().typed_search_attributes`` before
    any upsert) already hold :func:`at_start`'s three values for ``tenant_id``."""
    return (attrs.get(sa.TENANT_ID), attrs.get(sa.KIND), attrs.get(sa.STATUS)) == (tenant_id, KIND, RUNNING)
